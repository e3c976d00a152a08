export { ModeService, type ModeChangeMeta } from './service';
export { GridSignalFile, parseGridSignals, SIGNALS_INVALID_ALARM, type SignalAlarms } from './signals';
export { siteTariffSource } from './tariff';
export { calendarModeAt, nextCalendarChange, describeEntry, calendarWhy } from './calendar';
