/**
 * The rollout's vocabulary (pure types): what is persisted between passes and restarts, what the decision reads
 * about each member, and what it answers. docs/rollouts.md explains the model.
 */
import type { HealthStatus } from '../health/compute-health.ts';

/** What one member holds: the revision whose governed objects it was given, their digest, and when. */
export interface MemberRecord {
  revision: string;
  digest: string;
  updatedAt: string;
}

export interface StageProgress {
  /** The stage's gate opened (approval given, earlier stages complete) and its first member was updated. */
  startedAt?: string;
  /** Every member updated and Current since then; reset when one stops being Current before the soak ends. */
  soakStartedAt?: string;
  completedAt?: string;
}

export type HaltReason = 'Failed' | 'ProgressDeadlineExceeded';

export interface RolloutHalt {
  stage: string;
  reason: HaltReason;
  message: string;
  /** `member: Kind/namespace/name` of the objects that halted it (for a deadline: the members not Current). */
  objects: string[];
  at: string;
}

/** Everything a restart needs to resume (persisted by rollout-store.ts). Timestamps are RFC 3339. */
export interface RolloutState {
  /** The revision being rolled out: the first one that carried the target content (a Rollout-only edit keeps it). */
  revision: string;
  startedAt: string;
  /** Per member, the digest of the governed objects it must end up holding. */
  targets: Record<string, string>;
  stages: Record<string, StageProgress>;
  /** Sticky until a revision changes what some member must hold. */
  halted?: RolloutHalt;
  members: Record<string, MemberRecord>;
}

/** Health of one member's governed objects as observed at the digest it held then. */
export interface MemberHealth {
  digest: string;
  status: 'Current' | 'InProgress' | 'Failed';
  /** Ids of the objects that are not Current (Failed first). */
  failing: string[];
}

export interface RolloutMember {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Digest of its governed objects rendered at the newest revision. */
  target: string;
  health?: MemberHealth;
}

export type StageState = 'Pending' | 'WaitingApproval' | 'Progressing' | 'Soaking' | 'Complete' | 'Halted';

export interface StageStatus {
  name: string;
  state: StageState;
  members: { name: string; holds: string; updated: boolean; health: MemberHealth['status'] | 'Unknown' }[];
  updated: number;
  healthy: number;
  total: number;
  soakRemainingMs?: number;
  /** When the soak ends (RFC 3339): what the report shows, so its bytes do not change every pass. */
  soakUntil?: string;
}

export type RolloutPhase = 'Complete' | 'Progressing' | 'Soaking' | 'WaitingApproval' | 'Halted';

export interface RolloutStatus {
  name: string;
  revision: string;
  phase: RolloutPhase;
  /** The first stage not complete (absent when all are). */
  stage?: string;
  halted?: RolloutHalt;
  stages: StageStatus[];
}

export type RolloutEventKind =
  | 'RolloutStarted' | 'MemberAdopted' | 'StageStarted' | 'MemberUpdated' | 'SoakStarted' | 'StageCompleted'
  | 'WaitingApproval' | 'Halted' | 'RolloutComplete';

export interface RolloutEvent {
  kind: RolloutEventKind;
  stage?: string;
  member?: string;
  message: string;
}

export type HealthSummaryInput = { id: string; health: { status: HealthStatus } };
