// Browser-like agents for page tests (tests only): logged in through the login form, with the
// CSRF token a page form would carry.
import request from 'supertest';
import type { TestContext } from './app.js';
import type { TestUser } from './factories.js';

export type Agent = ReturnType<typeof request.agent>;

export const csrfOf = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)![1]!;

export async function loginAgent(ctx: TestContext, user: TestUser): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(ctx.app);
  const page = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfOf(page.text), email: user.user.email, password: user.password, next: '/' });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  return { agent, csrf: csrfOf((await agent.get('/support')).text) };
}
