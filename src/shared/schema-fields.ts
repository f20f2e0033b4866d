import { z } from 'zod';

/** Required text between min and max characters, trimmed; an empty one "is required". */
export const textField = (min: number, max: number) =>
  z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .min(min, `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`);

/** Text that ends up in a subject line or a heading: one line only. */
export const oneLine = /^[^\r\n\u2028\u2029]*$/;
