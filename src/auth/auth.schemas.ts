import { z } from 'zod';
import { registry } from '../http/openapi.js';

export const User = registry.register(
  'User',
  z.object({
    id: z.number().int().positive(),
    email: z.string().email(),
    displayName: z.string(),
    role: z.enum(['user', 'admin']),
    referralCode: z.string(),
  }),
);
export type User = z.infer<typeof User>;

export const RegisterBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.string().email('邮箱格式不正确 (invalid email)').max(254)),
  password: z.string().min(8, '密码至少 8 个字符 (at least 8 characters)').max(200),
  displayName: z.string().trim().min(1, '请填写昵称 (display name required)').max(40),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.string().min(1).max(254)),
  password: z.string().min(1).max(200),
});
export type LoginBody = z.infer<typeof LoginBody>;

const NewPassword = z.string().min(8, '密码至少 8 个字符 (at least 8 characters)').max(200);
// A link token is 43 base64url characters; anything else is simply an invalid link (400).
const LinkToken = z.string().trim().min(1, '链接无效 (invalid link)').max(200);

export const PasswordResetBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.string().email('邮箱格式不正确 (invalid email)').max(254)),
});
export type PasswordResetBody = z.infer<typeof PasswordResetBody>;

export const PasswordResetConfirmBody = z.object({ token: LinkToken, password: NewPassword });
export type PasswordResetConfirmBody = z.infer<typeof PasswordResetConfirmBody>;

export const ChangePasswordBody = z.object({ currentPassword: z.string().min(1).max(200), password: NewPassword });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const VerifyEmailBody = z.object({ token: LinkToken });
export type VerifyEmailBody = z.infer<typeof VerifyEmailBody>;

export const AuthResult = z.object({ user: User, token: z.string() });
export const MeResult = z.object({ user: User, wallet: z.object({ balanceCents: z.number().int() }) });

registry.registerPath({
  method: 'post', path: '/api/v1/auth/register', tags: ['accounts'],
  request: { body: { content: { 'application/json': { schema: RegisterBody } } } },
  responses: { 201: { description: 'registered', content: { 'application/json': { schema: AuthResult } } }, 409: { description: 'email already registered' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/login', tags: ['accounts'],
  request: { body: { content: { 'application/json': { schema: LoginBody } } } },
  responses: { 200: { description: 'logged in', content: { 'application/json': { schema: AuthResult } } }, 401: { description: 'wrong email or password' } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/me', tags: ['accounts'], security: [{ bearer: [] }],
  responses: { 200: { description: 'the caller', content: { 'application/json': { schema: MeResult } } }, 401: { description: 'not logged in' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/logout', tags: ['accounts'], security: [{ bearer: [] }],
  responses: { 204: { description: 'the session ended: this token and its cookie are refused from now on' }, 401: { description: 'not logged in' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/password-reset', tags: ['accounts'],
  request: { body: { content: { 'application/json': { schema: PasswordResetBody } } } },
  responses: { 202: { description: 'accepted, whether or not the account exists; its owner is mailed a link valid 30 minutes' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/password-reset/confirm', tags: ['accounts'],
  request: { body: { content: { 'application/json': { schema: PasswordResetConfirmBody } } } },
  responses: { 200: { description: 'password set; every session of the account ended', content: { 'application/json': { schema: z.object({ user: User }) } } }, 400: { description: 'used, expired or tampered token' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/me/password', tags: ['accounts'], security: [{ bearer: [] }],
  request: { body: { content: { 'application/json': { schema: ChangePasswordBody } } } },
  responses: { 204: { description: 'password changed; every other session ended' }, 400: { description: 'current password wrong or new one too short' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/auth/verify-email', tags: ['accounts'],
  request: { body: { content: { 'application/json': { schema: VerifyEmailBody } } } },
  responses: { 200: { description: 'address verified (ADMIN_EMAILS: admin granted)', content: { 'application/json': { schema: z.object({ user: User }) } } }, 400: { description: 'used, expired or tampered token' } },
});
