import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { TokenGuard } from '@tokenwarden/guard';
import type { GuardedRequest } from '@tokenwarden/guard';

/** Demo orders: fixed data, shown only to tokens with `orders:read` (by the guard, before this runs). */
@Controller('orders')
export class OrdersController {
  @Get()
  @UseGuards(TokenGuard.requiring('orders:read'))
  list(@Req() req: GuardedRequest): { orders: Array<{ id: string; item: string }>; client_id: string | undefined } {
    return { orders: [{ id: 'o-1', item: 'widget' }, { id: 'o-2', item: 'gadget' }], client_id: req.tokenClaims?.clientId };
  }
}
