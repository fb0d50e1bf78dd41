import { z } from 'zod';
import { registry } from '../http/openapi.js';

export const SiteInfo = registry.register(
  'SiteInfo',
  z.object({
    name: z.string(),
    notices: z.array(z.string()),
    support: z.object({ email: z.string(), qq: z.string(), phone: z.string(), hours: z.string() }),
  }),
);

registry.registerPath({
  method: 'get', path: '/api/v1/site', tags: ['site'],
  responses: { 200: { description: 'site name, disclaimer notices (温馨提示) and support contact', content: { 'application/json': { schema: SiteInfo } } } },
});
registry.registerPath({ method: 'get', path: '/healthz', tags: ['site'], responses: { 200: { description: 'the process is up' } } });
registry.registerPath({
  method: 'get', path: '/readyz', tags: ['site'],
  responses: { 200: { description: 'the database answers' }, 503: { description: 'the database does not answer' } },
});
