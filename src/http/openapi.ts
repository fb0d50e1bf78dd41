// The OpenAPI document is generated from the same zod schemas the routes validate with.
// Each feature's *.schemas.ts registers its components and paths on this registry.
import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const registry = new OpenAPIRegistry();
registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });

export const ErrorBody = registry.register(
  'Error',
  z.object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  }),
);

let cached: object | undefined;
export function openApiDocument(): object {
  cached ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Wenku API', version: '1.0.0', description: 'Wenku (文库) HTTP API, version 1' },
    servers: [{ url: '/' }],
  });
  return cached;
}
