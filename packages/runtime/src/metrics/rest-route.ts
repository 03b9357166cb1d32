import type { FastifyInstance } from 'fastify';
import { ConnectMetrics } from './connect-metrics.ts';

/** The path Prometheus scrapes on the REST listener. */
export const METRICS_PATH = '/metrics';

/** True for a request to {@link METRICS_PATH} (answered in Prometheus text, whatever `Accept` says). */
export function isMetricsPath(url: string): boolean {
  return (url.split('?')[0] ?? '') === METRICS_PATH;
}

/** Serves `GET /metrics` (and HEAD) in the Prometheus text format 0.0.4. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ConnectMetrics): void {
  app.get(METRICS_PATH, async (_request, reply) => {
    if (!metrics.enabled) {
      return reply.code(404).send({
        error_code: 404,
        message: 'Metrics are off on this worker (metrics.enable=false)',
      });
    }
    const text = await metrics.scrape();
    return reply.code(200).header('content-type', ConnectMetrics.contentType).send(text);
  });
}
