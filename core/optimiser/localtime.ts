/** Local time of the site's time zone now lives in core/common (the KPIs and the screens use it too). */
export * from '../common/localtime';
