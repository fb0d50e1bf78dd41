// The two answers every form page gives, in one place: an anonymous visitor of a page that
// needs an account goes to the login page (and comes back), and a user error from a form is
// shown on the form again with its status, while anything else goes to the error handler.
import type { Request, Response } from 'express';
import { AppError } from '../errors.js';
import { hasChinese, pageMessage } from '../../public/js/messages.js';

/**
 * A path on this site to send the browser back to (after login, after a top-up), or null: only
 * "/…" of printable ASCII, never "//host" or "/\host" (which browsers read as another site), so
 * no parameter can turn a redirect into an open redirect.
 */
export function sameSitePath(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 2000 && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : null;
}

/** Redirects an anonymous visitor to /login?next=…; true when it did (the handler stops). */
export function loginRedirect(req: Request, res: Response): boolean {
  if (req.actor) return false;
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  return true;
}

/** A message as pages show it: Chinese only (the one rule, shared with the page scripts). */
export { pageMessage };

/**
 * The user error to show on the form again (the response status is set to its status), or
 * rethrows (its message is the page's Chinese-only form): server errors, unknown errors and those `shown` leaves to the error handler.
 */
export function formError(err: unknown, res: Response, shown: (err: AppError) => boolean = () => true): AppError {
  if (!(err instanceof AppError) || err.status >= 500 || !shown(err)) throw err;
  res.status(err.status);
  return new AppError(err.code, pageMessage(err.message), err.details);
}

/** What a form shows for a refusal: a refused field's own message (without the API's field-name prefix), else the error's. */
export function formErrorMessage(err: AppError): string {
  const first = Array.isArray(err.details) ? (err.details[0] as { message?: unknown } | undefined) : undefined;
  // A field's message written for machines ('invalid or expired') is not shown: the error's own is.
  return pageMessage(typeof first?.message === 'string' && hasChinese(first.message) ? first.message : err.message);
}
