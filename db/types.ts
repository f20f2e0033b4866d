import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ScoreReason } from '../src/matching/score-words.ts';

/** The database as the migrations in db/migrations make it. Change both together. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type DateOnly = ColumnType<string, string, string>;

export type OrganizationKind =
  | 'government'
  | 'un_agency'
  | 'intergovernmental'
  | 'ngo'
  | 'diaspora'
  | 'research'
  | 'private_sector'
  | 'other';
export type OrganizationStatus = 'pending' | 'verified' | 'rejected';
export type RequestCategory = 'training' | 'advice' | 'capacity_building' | 'equipment' | 'project_development' | 'other';
export type RequestStatus = 'submitted' | 'open' | 'rejected' | 'withdrawn' | 'closed' | 'matched';
export type SessionRole = 'chair' | 'coordinator' | 'rapporteur' | 'speaker' | 'discussant' | 'co_organizer' | 'contributor';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';
export type ResponseStatus = 'draft' | 'submitted' | 'withdrawn' | 'matched' | 'not_matched';
export type Modality = 'in_person' | 'remote' | 'either';
export type Funding = 'provider_covers' | 'needs_funding' | 'shared';

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  kind: OrganizationKind;
  country: string | null;
  status: Generated<OrganizationStatus>;
  verified_at: Timestamp | null;
  verified_by: string | null;
  created_at: CreatedAt;
  meeting_capacity: Generated<number>;
  /** Why the secretariat did not verify it. */
  rejection_reason: string | null;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  organization_id: string | null;
  membership: 'pending' | 'active' | null;
  is_organizer: Generated<boolean>;
  locale: Generated<string>;
  created_at: CreatedAt;
  last_sign_in_at: Timestamp | null;
  time_zone: string | null;
  calendar_feed_version: Generated<number>;
}

export interface SignInTokensTable {
  token_hash: string;
  email: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  next_path: string | null;
  /** The email that carries this token's link (a resend replaces the token). */
  outbox_id: string | null;
}

export interface AuthSessionsTable {
  token_hash: string;
  user_id: string;
  kind: 'browser' | 'api';
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface NoMeetingWindow {
  startsAt: string;
  endsAt: string;
  label: string;
}

export interface MarketplacesTable {
  id: Generated<string>;
  slug: string;
  name: string;
  time_zone: string;
  opens_at: Timestamp;
  response_deadline: Timestamp;
  forum_starts_on: DateOnly;
  forum_ends_on: DateOnly;
  meeting_minutes: Generated<number>;
  meeting_day_starts: Generated<string>;
  meeting_day_ends: Generated<string>;
  sealed_responses: Generated<boolean>;
  meeting_publication: Generated<'review' | 'immediate'>;
  /** Times with no side meetings, instants in ISO 8601. */
  no_meeting_windows: ColumnType<NoMeetingWindow[], string | undefined, string>;
  /** Questions close this many days before a request's response deadline. */
  question_days: Generated<number>;
  /** The review window: the matching runs this many hours after the last request closed. */
  review_hours: Generated<number>;
  /** The most side meetings one organization has in a day; null: no limit. */
  max_meetings_per_day: number | null;
  /** After this many meetings back to back an organization gets a free slot; null: no limit. */
  break_after: number | null;
  /** Score points a re-run must gain per proposed meeting it moves (null: it never moves one). */
  move_penalty: Generated<number | null>;
  /** A change of what a request asks within this many days of its deadline moves the deadline (0: never). */
  late_change_days: Generated<number>;
  /** Weeks after the forum's last day when each requester is asked whether the assistance started. */
  followup_weeks: Generated<number>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface RoomsTable {
  id: Generated<string>;
  marketplace_id: string;
  name: string;
  position: Generated<number>;
}

export interface AgendaSessionsTable {
  id: Generated<string>;
  marketplace_id: string;
  code: string;
  title: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
}

export interface SessionRolesTable {
  id: Generated<string>;
  session_id: string;
  organization_id: string;
  role: SessionRole;
  note: string | null;
}

export interface RequestsTable {
  id: Generated<string>;
  marketplace_id: string;
  organization_id: string;
  created_by: string;
  title: string;
  category: RequestCategory;
  themes: string[];
  description: string;
  expected_outcome: string;
  countries: string[];
  languages: string[];
  max_matches: Generated<number>;
  own_deadline: Timestamp | null;
  response_deadline: Timestamp;
  status: Generated<RequestStatus>;
  rejection_reason: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  published_at: Timestamp | null;
  closed_at: Timestamp | null;
  search: ColumnType<string, never, never>;
  response_count: Generated<number>;
  sealed_responses: Generated<boolean>;
  /** An earlier close for questions than the marketplace's default; null: the default. */
  question_deadline: Timestamp | null;
  /** What the requester said some weeks after the forum. */
  assistance_status: AssistanceStatus | null;
  assistance_note: string | null;
  assistance_answered_at: Timestamp | null;
  followup_asked_at: Timestamp | null;
}

export interface ResponsesTable {
  id: Generated<string>;
  request_id: string;
  organization_id: string;
  /** Presents jointly with this organization: the two meet the requester together when its response names this one back. */
  joint_with: Generated<string | null>;
  created_by: string;
  summary: string;
  details: string;
  offer_categories: string[];
  modality: Modality;
  languages: string[];
  funding: Funding;
  status: ResponseStatus;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  submitted_at: Timestamp | null;
  preferred: Generated<boolean>;
  /** The requester's mark before the run: must meet, would like, not this one (excluded); NULL for none. */
  requester_mark: RequesterMark | null;
}

export interface RequestFollowsTable {
  request_id: string;
  user_id: string;
  created_at: CreatedAt;
}

type TextArrayWithDefault = ColumnType<string[], string[] | undefined, string[]>;

export interface ProviderInterestsTable {
  user_id: string;
  categories: TextArrayWithDefault;
  themes: TextArrayWithDefault;
  countries: TextArrayWithDefault;
  digest: Generated<boolean>;
  last_digest_at: Timestamp | null;
  updated_at: Generated<Date>;
}

export interface RequestRemindersTable {
  request_id: string;
  kind: '7d' | '24h' | 'unreviewed';
  deadline: Timestamp;
  ran_at: CreatedAt;
}

export interface AuditEventsTable {
  id: Generated<string>;
  entity: string;
  entity_id: string;
  action: string;
  from_status: string | null;
  to_status: string | null;
  actor_id: string | null;
  actor_label: string;
  detail: unknown | null;
  at: CreatedAt;
}

export interface OutboxAttachment {
  filename: string;
  contentType: string;
  content: string;
  method?: string;
}

export interface OutboxTable {
  id: Generated<string>;
  idempotency_key: string;
  template: string;
  to_email: string;
  subject: string;
  text_body: string;
  html_body: string;
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  attachments: ColumnType<OutboxAttachment[], string | undefined, string>;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  message_id: string;
  created_at: CreatedAt;
  claimed_at: Timestamp | null;
  sent_at: Timestamp | null;
  /** The links the placeholders in the bodies and headers stand for, sealed (src/email/sealed-links.ts). */
  sealed_links: string | null;
  /** One-time links: scrubbed once the email is sent or has failed. */
  sealed_links_until_sent: Generated<boolean>;
  /** Confirmations to one person that may go out as one email (src/email/batches.ts). */
  batch_key: string | null;
  /** Not sent before this time: the window in which more confirmations may join. */
  send_after: Timestamp | null;
  /** The row whose email carried this one. */
  sent_with: string | null;
}

export type RequesterMark = 'must' | 'like' | 'exclude';

export type MeetingStatus = 'proposed' | 'confirmed' | 'declined' | 'cancelled';
export type MeetingAnswer = 'pending' | 'accepted' | 'declined';

export interface OrganizationUnavailabilityTable {
  id: Generated<string>;
  organization_id: string;
  marketplace_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  note: string | null;
}

export interface MatchingRunsTable {
  id: Generated<string>;
  marketplace_id: string;
  trigger: 'deadline' | 'organizer' | 'decline' | 'sweep';
  started_by: string | null;
  /** queued: asked for by an organizer, not yet taken by a worker (`started_at` is then when it was asked for). */
  status: 'queued' | 'running' | 'done' | 'failed' | 'abandoned';
  started_at: CreatedAt;
  finished_at: Timestamp | null;
  method: string | null;
  objective: number | null;
  bound: number | null;
  stats: unknown | null;
  changes: unknown | null;
  error: string | null;
  /** What a running run is doing; `done` or `failed` once it ended. */
  stage: ColumnType<MatchingRunStage, MatchingRunStage | undefined, MatchingRunStage>;
  /** The solver's latest progress (seconds, objective, bound, gap), while it solves and after. */
  progress: unknown | null;
  /** The Postgres backend whose session waits for or holds the run's marketplace lock (`withMatchingLock`). */
  backend_pid: number | null;
  /** The job that is to run a queued run (the sweep queues another when the queue lost it). */
  job_id: string | null;
}

export type MatchingRunStage = 'queued' | 'waiting' | 'loading' | 'solving' | 'storing' | 'done' | 'failed' | 'abandoned';

export interface ScorePart {
  factor: string;
  weight: number;
  fit: number;
  points: number;
  explanation: string;
  /** The explanation in parts, for the reader's language (src/matching/score-words.ts); absent on meetings scored before it. */
  reasons?: ScoreReason[];
}

export interface MeetingsTable {
  id: Generated<string>;
  marketplace_id: string;
  run_id: string;
  request_id: string;
  response_id: string;
  requester_org_id: string;
  provider_org_id: string;
  room_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  score: number;
  score_parts: ColumnType<ScorePart[], string, string>;
  status: MeetingStatus;
  requester_answer: Generated<MeetingAnswer>;
  provider_answer: Generated<MeetingAnswer>;
  sequence: Generated<number>;
  /** Pinned by the secretariat (or placed by hand): no matching run moves it. */
  pinned: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  ended_reason: string | null;
  decline_reason: string | null;
  reschedule_requested_by: 'requester' | 'provider' | null;
  reschedule_note: string | null;
  reschedule_requested_at: Timestamp | null;
  published_at: Timestamp | null;
  /** When both sides were asked what came of it (once, after its end). */
  outcome_asked_at: Timestamp | null;
}

export type MeetingOutcome = 'did_not_take_place' | 'not_enough_interest' | 'useful_no_cooperation' | 'cooperation_possible';
export type AssistanceStatus = 'started' | 'in_preparation' | 'not_started';

export interface MeetingOutcomesTable {
  meeting_id: string;
  party: 'requester' | 'provider';
  outcome: MeetingOutcome;
  note: string | null;
  answered_by: string | null;
  updated_at: Generated<Date>;
}

/** The requests (and their responses) a meeting serves besides its own request_id / response_id. */
export interface MeetingTopicsTable {
  meeting_id: string;
  request_id: string;
  response_id: string;
}

export interface MeetingAttendanceTable {
  meeting_id: string;
  organization_id: string;
  during: ColumnType<string, string, string>;
  active: Generated<boolean>;
}

export interface ResponseReceiptsTable {
  id: Generated<string>;
  response_id: string;
  /** The canonical JSON text of the receipt, as signed. */
  signed: string;
  /** Ed25519 signature of `signed`, base64url. */
  signature: string;
  created_at: CreatedAt;
}

export interface RequestQuestionsTable {
  id: Generated<string>;
  request_id: string;
  /** The asking organization: shown to itself and the secretariat only. */
  organization_id: string;
  asked_by: string;
  text: string;
  created_at: CreatedAt;
}

export interface QuestionAnswersTable {
  id: Generated<string>;
  question_id: string;
  text: string;
  answered_by: string;
  answered_as: 'requester' | 'secretariat';
  created_at: CreatedAt;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  sign_in_tokens: SignInTokensTable;
  auth_sessions: AuthSessionsTable;
  marketplaces: MarketplacesTable;
  rooms: RoomsTable;
  agenda_sessions: AgendaSessionsTable;
  session_roles: SessionRolesTable;
  response_receipts: ResponseReceiptsTable;
  request_questions: RequestQuestionsTable;
  question_answers: QuestionAnswersTable;
  meeting_outcomes: MeetingOutcomesTable;
  requests: RequestsTable;
  audit_events: AuditEventsTable;
  outbox: OutboxTable;
  responses: ResponsesTable;
  request_follows: RequestFollowsTable;
  provider_interests: ProviderInterestsTable;
  request_reminders: RequestRemindersTable;
  organization_unavailability: OrganizationUnavailabilityTable;
  matching_runs: MatchingRunsTable;
  meetings: MeetingsTable;
  meeting_attendance: MeetingAttendanceTable;
  meeting_topics: MeetingTopicsTable;
}

export type Organization = Selectable<OrganizationsTable>;
export type User = Selectable<UsersTable>;
export type Marketplace = Selectable<MarketplacesTable>;
export type Request = Selectable<RequestsTable>;
export type Response = Selectable<ResponsesTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
export type RequestUpdate = Updateable<RequestsTable>;
