/** API handlers of the historian. */
import { ApiError } from '../../common';
import type { HistorianApiMethods } from '../../common/historian';
import type { Handlers } from '../dispatcher';

type HistorianHandlers = Pick<Handlers, keyof HistorianApiMethods>;

/** Until the historian service is wired, its methods answer 'unavailable'. */
export function historianUnavailable(): HistorianHandlers {
  const no = (): never => {
    throw new ApiError('unavailable', 'the historian is not running on this host');
  };
  return { 'history.query': no, 'history.forecast': no, 'history.export': no, 'history.exportCancel': no, 'history.backup': no };
}
