/**
 * Service: a LoadBalancer Service is InProgress until status.loadBalancer.ingress has an entry (kstatus only
 * waits for spec.clusterIP, which the API server assigns at once; the load balancer is what takes time).
 * Every other Service type is Current.
 */
import type { KubeObject } from '../../model/types.ts';
import type { Health } from '../compute-health.ts';
import { objectsAt, stringAt } from '../read-status.ts';

export function serviceHealth(live: KubeObject): Health {
  if (stringAt(live, ['spec', 'type'], 'ClusterIP') !== 'LoadBalancer') {
    return { status: 'Current', message: 'Service is ready' };
  }
  const ingress = objectsAt(live, ['status', 'loadBalancer', 'ingress']);
  if (ingress.length === 0) return { status: 'InProgress', message: 'Waiting for the load balancer to get an address' };
  const addresses = ingress.map((entry) => entry['ip'] ?? entry['hostname']).filter((a) => typeof a === 'string');
  return { status: 'Current', message: `Load balancer is ready${addresses.length ? `: ${addresses.join(', ')}` : ''}` };
}
