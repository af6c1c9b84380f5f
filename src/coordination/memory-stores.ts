/**
 * In-memory Lease and status stores with the API server's write rules (create fails AlreadyExists, replace is
 * conditional on resourceVersion and fails Conflict), for simulations: the sharding benchmark and the
 * coordinator's unit tests. `down` makes every request fail as an unreachable coordination cluster would.
 */
import { ClusterRequestError } from '../cluster/cluster-client.ts';
import { fnv1Hash32 } from '../render/fnv1.ts';
import type { LeaseRecord } from './lease-ownership.ts';
import type { LeaseStore } from './lease-store.ts';
import type { PublishedStatus } from './merge-statuses.ts';
import type { StatusStore } from './status-store.ts';

export interface MemoryCoordination {
  leases: LeaseStore;
  statuses: (replica: string) => StatusStore;
  /** The Leases as stored now. */
  records(): LeaseRecord[];
  down: boolean;
}

export function createMemoryCoordination(): MemoryCoordination {
  const leases = new Map<string, LeaseRecord>();
  const statuses = new Map<string, PublishedStatus>();
  let version = 0;
  const state = { down: false };
  const check = () => {
    if (state.down) throw new ClusterRequestError('coordination', null, 'Unreachable', 'coordination cluster unreachable');
  };
  const stored = (record: LeaseRecord) => {
    const next = { ...record, claims: [...record.claims], resourceVersion: String(++version) };
    leases.set(record.name, next);
    return { ...next, claims: [...next.claims] };
  };
  const store: LeaseStore = {
    async list() {
      check();
      return [...leases.values()].map((record) => ({ ...record, claims: [...record.claims] }));
    },
    async create(record) {
      check();
      if (leases.has(record.name)) throw new ClusterRequestError('coordination', 409, 'AlreadyExists', `lease ${record.name} exists`);
      return stored(record);
    },
    async replace(record) {
      check();
      const current = leases.get(record.name);
      if (!current) throw new ClusterRequestError('coordination', 404, 'NotFound', `lease ${record.name} not found`);
      if (current.resourceVersion !== record.resourceVersion) throw new ClusterRequestError('coordination', 409, 'Conflict', `lease ${record.name} changed`);
      return stored(record);
    },
    async delete(name) {
      check();
      leases.delete(name);
    },
  };
  return {
    leases: store,
    statuses: (replica) => ({
      async publish(status) {
        check();
        statuses.set(replica, structuredClone(status));
        return fnv1Hash32(JSON.stringify(status)).toString(16);
      },
      async list() {
        check();
        return [...statuses.values()].map((status) => structuredClone(status));
      },
      async publishers() {
        check();
        return [...statuses.keys()].sort();
      },
      async remove(gone) {
        check();
        statuses.delete(gone);
      },
    }),
    records: () => [...leases.values()],
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
  };
}
