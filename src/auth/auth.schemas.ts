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
