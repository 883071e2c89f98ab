import { Type } from '@sinclair/typebox';

export const BoardSessionCreated = Type.Null({
  description:
    'No body. Sets the `shop_board` cookie (HttpOnly, SameSite=Strict, Path=/admin/queues, Max-Age up to 900, ' +
    'Secure outside development/test): a board token (its own audience; expires with the access token, at most 15 minutes) that opens Bull Board at /admin/queues in this browser and nothing else.',
});

export const BoardSessionCleared = Type.Null({ description: 'No body. Expires the `shop_board` cookie.' });
