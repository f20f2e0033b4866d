/** Text made safe inside HTML (element content or a quoted attribute), for the few places not written by a template. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
