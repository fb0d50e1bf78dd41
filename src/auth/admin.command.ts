// `npm run admin -- grant EMAIL | revoke EMAIL | list`: the operator's way to make an account
// admin (or not). Returns the process exit code; messages go to the given streams.
import type { Database } from '../db/pool.js';
import { grantAdmin, revokeAdmin } from './admin-role.js';
import { listAdmins } from './users.repo.js';

export const EXIT = { ok: 0, failed: 1, usage: 64, unavailable: 69 } as const;

const USAGE = `usage: npm run admin -- <command>
  grant EMAIL    make the account with this email an admin (its address counts as verified)
  revoke EMAIL   make it an ordinary user again
  list           print the admins`;

interface Out {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runAdminCommand(argv: string[], db: Pick<Database, 'pool'>, io: Out): Promise<number> {
  const [command, email, ...rest] = argv;
  if (command === 'list' && email === undefined) {
    const admins = await listAdmins(db.pool);
    for (const a of admins) io.out(`${a.id}\t${a.email}\t${a.displayName}`);
    if (!admins.length) io.out('no admins yet');
    return EXIT.ok;
  }
  if ((command !== 'grant' && command !== 'revoke') || !email || rest.length) {
    io.err(USAGE);
    return EXIT.usage;
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    io.err(`"${email}" is not an email address`);
    return EXIT.usage;
  }
  const user = command === 'grant' ? await grantAdmin(db, email) : await revokeAdmin(db, email);
  if (!user) {
    io.err(`no account with the email ${email.toLowerCase()} (it must register first)`);
    return EXIT.failed;
  }
  io.out(command === 'grant' ? `${user.email} (user ${user.id}) is now an admin` : `${user.email} (user ${user.id}) is now an ordinary user`);
  return EXIT.ok;
}
