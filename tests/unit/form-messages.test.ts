import { describe, expect, it } from 'vitest';
import { errorsByField } from '../../src/http/forms.ts';

describe('the form pages’ field messages', () => {
  it('show a time the API gives as ISO 8601 as people read dates, in the reader’s language, at the time’s own offset', () => {
    const errors = [{ path: 'responseDeadline', message: "must not be later than the marketplace's deadline (2007-06-20T17:00:00.000+02:00)" }];
    expect(errorsByField(errors, { responseDeadline: 'responseDeadlineDate' }, 'en').responseDeadlineDate).toBe("Response deadline: must not be later than the marketplace's deadline (Jun 20, 2007, 5:00 PM)");
    const fr = errorsByField(errors, { responseDeadline: 'responseDeadlineDate' }, 'fr').responseDeadlineDate!;
    expect(fr).toContain('20 juin 2007');
    expect(fr).toContain('17:00');
    expect(fr).not.toContain('2007-06-20T');
  });
});
