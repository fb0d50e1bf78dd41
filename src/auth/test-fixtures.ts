// Admins for tests: registered through the API like anyone, then granted the role the way an
// operator does (`npm run admin -- grant`), since registration alone never makes an admin.
import { registerUser, type TestContext } from '../../test/app.js';
import { grantAdmin } from './admin-role.js';

export async function registerAdmin(ctx: TestContext, overrides: Parameters<typeof registerUser>[1] = {}) {
  const registered = await registerUser(ctx, overrides);
  const granted = await grantAdmin(ctx.deps.db, registered.user.email);
  if (!granted) throw new Error(`could not grant admin to ${registered.user.email}`);
  return { ...registered, user: { ...registered.user, role: 'admin' } };
}
