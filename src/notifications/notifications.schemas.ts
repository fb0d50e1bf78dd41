import { z } from 'zod';

export const NotificationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  /** important: all but the routine kinds (ROUTINE_KINDS); routine: only those. Absent: all. */
  group: z.enum(['important', 'routine']).optional(),
});

export const MarkReadBody = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ ids: z.array(z.number().int().positive()).max(500) }).strict(),
  z.object({ group: z.literal('routine') }).strict(),
]);
