/**
 * The one place the application reads the clock, for display only ("in 3 days"). Deadlines are
 * never judged here: they are compared with now() in SQL, in the transaction that writes.
 */
export function displayNow(): Date {
  return new Date();
}
