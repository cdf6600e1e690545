/* migrations_early.c -- the first migrations of SQLite's list (store/migrations.h),
 * 1 to 12, kept apart so that migrations.c stays short: each a named text
 * that db_migrations lists in order. Shipped: never edited. */
#include "store/migrations_early.h"

/* 1: cooperatives, members with consent, messages (the outbox and the log). */
const char db_migration_1[] =
    "CREATE TABLE cooperatives ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  province TEXT NOT NULL,"
    "  sector TEXT,"
    "  contact_phone TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE members ("
    "  id INTEGER PRIMARY KEY,"
    "  phone TEXT NOT NULL UNIQUE,"
    "  name TEXT,"
    "  cooperative_id INTEGER REFERENCES cooperatives(id),"
    "  province TEXT,"
    "  sector TEXT,"
    "  gender TEXT CHECK (gender IN ('f','m')),"
    "  birth_year INTEGER,"
    "  language TEXT NOT NULL,"
    "  consent_at INTEGER,"
    "  consent_channel TEXT,"
    "  registered_via TEXT,"
    "  registered_at INTEGER,"
    "  opted_out_at INTEGER,"
    "  erased_at INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX members_cooperative ON members(cooperative_id);"
    "CREATE INDEX members_province ON members(province);"
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY,"
    "  channel TEXT NOT NULL,"
    "  direction TEXT NOT NULL CHECK (direction IN ('in','out')),"
    "  phone TEXT NOT NULL,"
    "  member_id INTEGER REFERENCES members(id),"
    "  kind TEXT NOT NULL,"
    "  topic TEXT,"
    "  body TEXT NOT NULL,"
    "  encoding TEXT NOT NULL CHECK (encoding IN ('gsm7','ucs2')),"
    "  segments INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  priority INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER,"
    "  provider_id TEXT,"
    "  broadcast_id INTEGER,"
    "  error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX messages_due ON messages(status, channel, priority DESC, next_attempt_at)"
    "  WHERE status = 'queued';"
    "CREATE INDEX messages_member ON messages(member_id);"
    "CREATE INDEX messages_phone ON messages(phone);";

/* 2: member services: grants with history, events with RSVPs, project
 * ideas, per-topic subscriptions, USSD drafts and end-of-session notices. */
const char db_migration_2[] =
    "CREATE TABLE grants ("
    "  id INTEGER PRIMARY KEY,"
    "  reference TEXT NOT NULL UNIQUE,"
    "  member_id INTEGER REFERENCES members(id),"
    "  cooperative_id INTEGER REFERENCES cooperatives(id),"
    "  programme TEXT NOT NULL,"
    "  amount_mad INTEGER NOT NULL CHECK (amount_mad >= 0),"
    "  status TEXT NOT NULL CHECK (status IN ('submitted','under_review',"
    "    'documents_missing','approved','disbursed','rejected')),"
    "  note_ar TEXT, note_fr TEXT, note_en TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  CHECK (member_id IS NOT NULL OR cooperative_id IS NOT NULL));"
    "CREATE INDEX grants_member ON grants(member_id);"
    "CREATE INDEX grants_cooperative ON grants(cooperative_id);"
    "CREATE TABLE grant_history ("
    "  id INTEGER PRIMARY KEY,"
    "  grant_id INTEGER NOT NULL REFERENCES grants(id),"
    "  status TEXT NOT NULL,"
    "  note TEXT,"
    "  changed_by TEXT NOT NULL,"
    "  changed_at INTEGER NOT NULL);"
    "CREATE INDEX grant_history_grant ON grant_history(grant_id);"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('event','workshop','training','exhibition','ideathon')),"
    "  title_ar TEXT, title_fr TEXT, title_en TEXT,"
    "  description_ar TEXT, description_fr TEXT, description_en TEXT,"
    "  starts_at INTEGER NOT NULL,"
    "  place TEXT NOT NULL,"
    "  province TEXT,"
    "  capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),"
    "  status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','cancelled')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX events_start ON events(status, starts_at);"
    "CREATE TABLE rsvps ("
    "  id INTEGER PRIMARY KEY,"
    "  event_id INTEGER NOT NULL REFERENCES events(id),"
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (event_id, member_id));"
    "CREATE TABLE ideas ("
    "  id INTEGER PRIMARY KEY,"
    "  reference TEXT UNIQUE,"
    "  member_id INTEGER REFERENCES members(id),"
    "  sector TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted','shortlisted',"
    "    'selected','declined')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE member_topics ("
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  topic TEXT NOT NULL CHECK (topic IN ('events','trainings','grants','ideathon','news')),"
    "  enabled INTEGER NOT NULL CHECK (enabled IN (0,1)),"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (member_id, topic));"
    "CREATE TABLE ussd_drafts ("
    "  phone TEXT PRIMARY KEY,"
    "  flow TEXT NOT NULL CHECK (flow IN ('register','idea')),"
    "  state BLOB NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE ussd_session_ends ("
    "  id INTEGER PRIMARY KEY,"
    "  channel TEXT NOT NULL,"
    "  session_id TEXT NOT NULL,"
    "  phone TEXT,"
    "  status TEXT,"
    "  duration_ms INTEGER,"
    "  input TEXT,"
    "  error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (channel, session_id));";

/* 3: the durable outbox and inbound idempotency: when a message went
 * 'sending' (crash reconciliation, at most one resend), delivery reports
 * (forward-only state, provider error), one row per provider message id
 * of inbound messages, and the parts of multipart inbound SMS. */
const char db_migration_3[] =
    "ALTER TABLE messages ADD COLUMN sending_since INTEGER;"
    "ALTER TABLE messages ADD COLUMN resend_after_crash INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN delivered_at INTEGER;"
    "ALTER TABLE messages ADD COLUMN dlr_status TEXT;"
    "ALTER TABLE messages ADD COLUMN provider_error TEXT;"
    "CREATE UNIQUE INDEX messages_inbound_provider ON messages(channel, direction, provider_id)"
    "  WHERE direction = 'in' AND provider_id IS NOT NULL;"
    "CREATE INDEX messages_outbound_provider ON messages(channel, provider_id)"
    "  WHERE direction = 'out' AND provider_id IS NOT NULL;"
    "CREATE INDEX messages_sending ON messages(status) WHERE status = 'sending';"
    "CREATE TABLE inbound_parts ("
    "  channel TEXT NOT NULL,"
    "  phone TEXT NOT NULL,"
    "  concat_ref TEXT NOT NULL,"
    "  part INTEGER NOT NULL CHECK (part >= 1),"
    "  total INTEGER NOT NULL CHECK (total >= 2),"
    "  provider_id TEXT,"
    "  body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (channel, phone, concat_ref, part));";

/* 4: the staff admin API: bearer tokens (SHA-256 hashes only, one live
 * token per name), the audit log, per-language notes in grant history,
 * and when each RSVP got its event reminder. */
const char db_migration_4[] =
    "CREATE TABLE staff_tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('admin','staff','viewer')),"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL,"
    "  last_used_at INTEGER,"
    "  revoked_at INTEGER);"
    "CREATE UNIQUE INDEX staff_tokens_live_name ON staff_tokens(name) WHERE revoked_at IS NULL;"
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  who TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  object_type TEXT NOT NULL,"
    "  object_id TEXT,"
    "  summary TEXT NOT NULL,"
    "  client TEXT NOT NULL);"
    "CREATE INDEX audit_log_at ON audit_log(at);"
    "CREATE INDEX audit_log_object ON audit_log(object_type, object_id);"
    "ALTER TABLE grant_history ADD COLUMN note_ar TEXT;"
    "ALTER TABLE grant_history ADD COLUMN note_fr TEXT;"
    "ALTER TABLE grant_history ADD COLUMN note_en TEXT;"
    "ALTER TABLE rsvps ADD COLUMN reminded_at INTEGER;"
    "CREATE INDEX rsvps_event ON rsvps(event_id);"
    "CREATE INDEX members_cooperative_province ON members(province, sector);";

/* 5: broadcasts (audience and texts as JSON, schedule, status), the
 * messages of a broadcast (progress, cancel) and the messages held for
 * the send window (status 'held', released by the scheduler). */
const char db_migration_5[] =
    "CREATE TABLE broadcasts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  topic TEXT,"
    "  channel TEXT NOT NULL,"
    "  audience TEXT NOT NULL,"
    "  texts TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('draft','scheduled','started','cancelled')),"
    "  scheduled_at INTEGER,"
    "  started_at INTEGER,"
    "  cancelled_at INTEGER,"
    "  recipients INTEGER,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX broadcasts_due ON broadcasts(status, scheduled_at);"
    "CREATE INDEX messages_broadcast ON messages(broadcast_id, status)"
    "  WHERE broadcast_id IS NOT NULL;"
    "CREATE INDEX messages_held ON messages(status) WHERE status = 'held';";

/* web console: staff accounts (scrypt hashes, lock-out counters) and
 * sessions (SHA-256 of the cookie value only, CSRF token, last use). */
const char db_migration_6[] = "CREATE TABLE staff_users ("
                              "  id INTEGER PRIMARY KEY,"
                              "  name TEXT NOT NULL UNIQUE,"
                              "  role TEXT NOT NULL CHECK (role IN ('admin','staff','viewer')),"
                              "  password_hash TEXT NOT NULL,"
                              "  created_at INTEGER NOT NULL,"
                              "  failed_logins INTEGER NOT NULL DEFAULT 0,"
                              "  locked_until INTEGER NOT NULL DEFAULT 0,"
                              "  last_login_at INTEGER);"
                              "CREATE TABLE staff_sessions ("
                              "  id INTEGER PRIMARY KEY,"
                              "  user_id INTEGER NOT NULL REFERENCES staff_users(id),"
                              "  token_hash TEXT NOT NULL UNIQUE,"
                              "  csrf TEXT NOT NULL,"
                              "  created_at INTEGER NOT NULL,"
                              "  last_seen_at INTEGER NOT NULL,"
                              "  client TEXT NOT NULL,"
                              "  ended_at INTEGER);"
                              "CREATE INDEX staff_sessions_user ON staff_sessions(user_id);";

/* SMS commands: phones that sent STOP without being members (honoured
 * by the send gate, kept through erasure, cleared by a registration or
 * START), and the guided SMS exchanges under way (registration, erase
 * confirmation), one per phone, with an expiry. */
const char db_migration_7[] =
    "CREATE TABLE sms_suppressions ("
    "  phone TEXT PRIMARY KEY,"
    "  channel TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE sms_conversations ("
    "  phone TEXT PRIMARY KEY,"
    "  flow TEXT NOT NULL CHECK (flow IN ('register','erase')),"
    "  step INTEGER NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  state BLOB NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX messages_phone_replies ON messages(phone, created_at)"
    "  WHERE direction = 'out' AND kind IN ('reply','registration','stop_confirmation');";

/* 2: an SMS list being paged (flow 'list': the next item, which list)
 * is kept like the other exchanges; rows under way are kept. */
const char db_migration_8[] =
    "CREATE TABLE sms_conversations_2 ("
    "  phone TEXT PRIMARY KEY,"
    "  flow TEXT NOT NULL CHECK (flow IN ('register','erase','list')),"
    "  step INTEGER NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  state BLOB NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "INSERT INTO sms_conversations_2 SELECT phone, flow, step, lang, state, expires_at,"
    "  updated_at FROM sms_conversations;"
    "DROP TABLE sms_conversations;"
    "ALTER TABLE sms_conversations_2 RENAME TO sms_conversations;";

/* Test members: numbers of the reserved test range (core/test_number,
 * the SQL function test_number()), set when a member is stored and
 * left out of counts, broadcasts and exports. */
const char db_migration_9[] = "ALTER TABLE members ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;"
                              "UPDATE members SET is_test = 1 WHERE test_number(phone);";

/* Registration by a cooperative's contact person: the contact flag
 * staff set, who registered a member (the contact), and the consent
 * state of a member registered that way: 'pending' until the consent
 * SMS is answered, then 'given' or 'refused', with when and through
 * which channel. Members who consented while registering themselves
 * are 'given'; NULL: no record (imported without consent). */
const char db_migration_10[] =
    "ALTER TABLE members ADD COLUMN is_contact INTEGER NOT NULL DEFAULT 0"
    "  CHECK (is_contact IN (0,1));"
    "ALTER TABLE members ADD COLUMN registered_by INTEGER REFERENCES members(id);"
    "ALTER TABLE members ADD COLUMN consent_state TEXT"
    "  CHECK (consent_state IN ('pending','given','refused'));"
    "ALTER TABLE members ADD COLUMN consent_state_at INTEGER;"
    "ALTER TABLE members ADD COLUMN consent_state_channel TEXT;"
    "UPDATE members SET consent_state = 'given', consent_state_at = consent_at,"
    "  consent_state_channel = consent_channel WHERE consent_at IS NOT NULL;"
    "CREATE INDEX members_contacts ON members(cooperative_id) WHERE is_contact = 1;";

/* Events: a reminder lead of their own (NULL: programme.reminder_before_s),
 * and who came (check-in on the day, by which staff member). */
const char db_migration_11[] = "ALTER TABLE events ADD COLUMN reminder_before_s INTEGER;"
                               "ALTER TABLE rsvps ADD COLUMN checked_in_at INTEGER;"
                               "ALTER TABLE rsvps ADD COLUMN checked_in_by TEXT;";

/* Staff search (issue 16): the name folded as SMS keywords are read
 * (fold_text(): accents, case, Arabic letter variants), written by
 * every statement that writes a name, and its words indexed (FTS5,
 * external content, with the words' first 2 and 3 letters so that a
 * short beginning typed is fast too) by triggers on the column alone,
 * so any connection keeps the index true. Names written without it are
 * folded at the next start (store/db.c). */
const char db_migration_12[] =
    "ALTER TABLE members ADD COLUMN name_folded TEXT;"
    "UPDATE members SET name_folded = fold_text(name) WHERE name IS NOT NULL;"
    "CREATE INDEX members_unfolded ON members(id) WHERE name_folded IS NULL AND name IS NOT NULL;"
    "CREATE VIRTUAL TABLE members_name_fts USING fts5(name_folded, content='members',"
    "  content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='2 3');"
    "INSERT INTO members_name_fts(members_name_fts) VALUES ('rebuild');"
    "CREATE TRIGGER members_name_fts_insert AFTER INSERT ON members"
    "  WHEN NEW.name_folded IS NOT NULL BEGIN"
    "  INSERT INTO members_name_fts(rowid, name_folded) VALUES (NEW.id, NEW.name_folded); END;"
    "CREATE TRIGGER members_name_fts_delete AFTER DELETE ON members"
    "  WHEN OLD.name_folded IS NOT NULL BEGIN"
    "  INSERT INTO members_name_fts(members_name_fts, rowid, name_folded)"
    "  VALUES ('delete', OLD.id, OLD.name_folded); END;"
    "CREATE TRIGGER members_name_fts_update AFTER UPDATE OF name_folded ON members"
    "  WHEN NEW.name_folded IS NOT OLD.name_folded BEGIN"
    "  INSERT INTO members_name_fts(members_name_fts, rowid, name_folded)"
    "  SELECT 'delete', OLD.id, OLD.name_folded WHERE OLD.name_folded IS NOT NULL;"
    "  INSERT INTO members_name_fts(rowid, name_folded)"
    "  SELECT NEW.id, NEW.name_folded WHERE NEW.name_folded IS NOT NULL; END;";
