import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorsByField } from '../../src/http/forms.ts';
import { timeInputField } from '../../src/shared/time-input.ts';

const views = path.join(import.meta.dirname, '../../src/http/views');

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

describe('the labels the form pages’ errors name', () => {
  // Every field a form page shows, with the label beside it: f.input("maxMatches", t("Number of providers to meet"), ...).
  const shown = new Map<string, Set<string>>();
  for (const file of readdirSync(views, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.njk'))) {
    const html = readFileSync(path.join(views, file), 'utf8');
    const fields = [...html.matchAll(/f\.(?:input|select|textarea|checkboxes)\("(\w+)", t\("([^"]+)"/g), ...html.matchAll(/<label for="(\w+)">\{\{ t\("([^"]+)"\) \}\}/g)];
    for (const [, name, label] of fields) shown.set(name!, new Set([...(shown.get(name!) ?? []), label!]));
  }

  it('finds the forms’ fields (the scan itself works)', () => {
    expect(shown.get('maxMatches')?.size).toBe(1);
    expect(shown.size).toBeGreaterThan(40);
  });

  // A date or time beside another ("Date", "at") and a meeting window's ends ("From", "Until") stand in
  // a fieldset that says the rest; the error summary, read on its own, names them in full ("Opening time").
  // A question ("What do you need?") is named without its question mark.
  const namedMoreFully = new Set(['opensAtTime', 'responseDeadlineTime', 'extendTime', 'sideMeetingsFrom', 'sideMeetingsUntil', 'deadlineDate', 'deadlineTime', 'questionDeadlineDate', 'questionDeadlineTime']);

  it('an error names its field as the form labels it, never by its code name', () => {
    const problems: string[] = [];
    for (const [name, labels] of shown) {
      const said = errorsByField([{ path: name, message: 'is required' }], {}, 'en')[name]!;
      const label = said.slice(0, -': is required'.length);
      // A field labelled differently in different forms (a note, a reason) is named in general words; one form's field by its label.
      if (labels.size === 1 && label !== [...labels][0]!.replace(/\?$/, '') && !namedMoreFully.has(name)) problems.push(`${name}: the form says "${[...labels][0]}", the error "${label}"`);
      if (label === name && !/^[A-Z]/.test(name)) problems.push(`${name}: named by its code name`);
    }
    expect(problems).toEqual([]);
  });
});

describe('messages the secretariat’s forms composed in code', () => {
  it('a no-meeting time’s row, a rejection’s reason and an empty date read as words, in the reader’s language', () => {
    const row = errorsByField([{ path: 'noMeetingWindows', message: 'row 2, end: must be after the start' }], {}, 'fr').noMeetingWindows!;
    expect(row).toMatch(/ligne 2, fin\s: doit être après le début/);
    expect(row).not.toMatch(/row|noMeetingWindows/);
    expect(errorsByField([{ path: 'reason-31753a54-686b-4e80-94bc-df5c5fa2947f', message: 'is required' }], {}, 'en')['reason-31753a54-686b-4e80-94bc-df5c5fa2947f']).toBe('Why (told to its members): is required');
    expect(timeInputField.safeParse('').error?.issues.map((i) => i.message)).toEqual(['is required']);
    expect(timeInputField.safeParse('soon').error?.issues[0]!.message).toMatch(/^must be a date \(2007-06-20\)/);
  });
});
