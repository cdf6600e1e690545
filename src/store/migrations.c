/* migrations.c -- taawun's schema as numbered migrations, the one list
 * db_migrate (store/db.c) applies in order, each in its own transaction with
 * PRAGMA user_version bumped. Append, never edit one that has shipped. */
#include "store/migrations.h"

#include "store/migrations_early.h"

/* Whether row m (NEW or OLD) is an outbound message to a real number
 * (store/migrations.h), in plain SQL so that triggers run on any
 * connection (the SQL function test_number() is taawund's own). */
#define COUNTED(m) DB_MESSAGE_COUNTED(m, m ".phone")
/* Add d to the count of row m's hour, channel, status and provider_id set. */
#define COUNT_ADD(m, d)                                                                            \
    "INSERT INTO message_counts (hour, channel, status, taken, n) SELECT " m ".created_at / 3600," \
    " " m ".channel, " m ".status, " m ".provider_id IS NOT NULL, " d                              \
    " WHERE " COUNTED(m) " ON CONFLICT DO UPDATE SET n = n + (" d ");"
/* COUNT_ADD with the row's segments added to the count's (d: 1 or -1). */
#define COUNT_ADD_SEGMENTS(m, d)                                                                   \
    "INSERT INTO message_counts (hour, channel, status, taken, n, segments) SELECT " m             \
    ".created_at / 3600, " m ".channel, " m ".status, " m ".provider_id IS NOT NULL, " d ", (" d   \
    ") * " m ".segments WHERE " COUNTED(m) " ON CONFLICT DO UPDATE SET n = n + excluded.n,"        \
                                           " segments = segments + excluded.segments;"
/* Whether member row m counts (store/migrations.h), and adding d to the
 * count of its province, sector, gender and birth year (an unknown value
 * as 'unknown', an unknown year as 0). */
#define MEMBER_COUNTED(m) DB_MEMBER_COUNTED(m)
#define MEMBER_ADD(m, d)                                                                           \
    "INSERT INTO member_counts (province, sector, gender, birth_year, n)"                          \
    " SELECT coalesce(" m ".province, 'unknown'), coalesce(" m ".sector, 'unknown'),"              \
    " coalesce(" m ".gender, 'unknown'), coalesce(" m ".birth_year, 0), " d                        \
    " WHERE " MEMBER_COUNTED(m) " ON CONFLICT DO UPDATE SET n = n + (" d ");"

/* Add message NEW, taken by a provider at time `at`, to its hour's and
 * channel's cost count. */
#define COST_ADD(at)                                                                               \
    "INSERT INTO message_costs (hour, channel, messages, segments)"                                \
    " VALUES ((" at ") / 3600, NEW.channel, 1, NEW.segments)"                                      \
    " ON CONFLICT DO UPDATE SET messages = messages + 1, segments = segments + excluded.segments;"

/* Add d to broadcast row m's count of messages in its status, with its
 * segments (d: 1 or -1); rows of no broadcast are not counted. */
#define BROADCAST_ADD(m, d)                                                                        \
    "INSERT INTO broadcast_counts (broadcast_id, status, n, segments) SELECT " m                   \
    ".broadcast_id, " m ".status, " d ", (" d ") * " m ".segments WHERE " m                        \
    ".broadcast_id IS NOT NULL ON CONFLICT DO UPDATE SET n = n + excluded.n,"                      \
    " segments = segments + excluded.segments;"

const char *const db_migrations[] = {
    /* 1 to 12: store/migrations_early.c. */
    db_migration_1,
    db_migration_2,
    db_migration_3,
    db_migration_4,
    db_migration_5,
    db_migration_6,
    db_migration_7,
    db_migration_8,
    db_migration_9,
    db_migration_10,
    db_migration_11,
    db_migration_12,

    /* Outbound messages counted by hour of creation, channel, status and
     * whether a provider took them (provider_id set), test numbers left
     * out, kept by triggers in the writes' own transactions: the staff
     * statistics and the console's dashboard read a few thousand counts
     * instead of every message (10 M at national size). Counts that fell
     * to 0 stay as rows; readers skip them. */
    // clang-format off
    "CREATE TABLE message_counts ("
    "  hour INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  taken INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (hour, channel, status, taken)) WITHOUT ROWID;"
    "INSERT INTO message_counts (hour, channel, status, taken, n)"
    "  SELECT created_at / 3600, channel, status, provider_id IS NOT NULL, count(*)"
    "  FROM messages AS m WHERE " COUNTED("m") " GROUP BY 1, 2, 3, 4;"
    "CREATE TRIGGER message_counts_insert AFTER INSERT ON messages"
    "  WHEN " COUNTED("NEW") " BEGIN " COUNT_ADD("NEW", "1") " END;"
    "CREATE TRIGGER message_counts_update"
    "  AFTER UPDATE OF status, channel, provider_id, direction, phone, created_at ON messages"
    "  WHEN OLD.status IS NOT NEW.status OR OLD.channel IS NOT NEW.channel"
    "  OR (OLD.provider_id IS NULL) IS NOT (NEW.provider_id IS NULL)"
    "  OR OLD.direction IS NOT NEW.direction OR OLD.phone IS NOT NEW.phone"
    "  OR OLD.created_at IS NOT NEW.created_at"
    "  BEGIN " COUNT_ADD("OLD", "-1") COUNT_ADD("NEW", "1") " END;"
    "CREATE TRIGGER message_counts_delete AFTER DELETE ON messages"
    "  WHEN " COUNTED("OLD") " BEGIN " COUNT_ADD("OLD", "-1") " END;",
    // clang-format on

    /* The sender's expiry sweep (a write, once a second per channel) finds
     * the queued messages past their expiry by age instead of reading
     * every queued message: 1.4 s under the write lock with a million
     * queued (a national broadcast) before this index. */
    "CREATE INDEX messages_queued_age ON messages(channel, created_at) WHERE status = 'queued';",

    /* Members counted by province, sector, gender and birth year, erased
     * and test members left out, kept by triggers: /stats sums a few
     * thousand counts instead of scanning every member four times (1 M at
     * national size). The test members by a partial index: the
     * dashboard's grants leave theirs out without reading every member. */
    // clang-format off
    "CREATE TABLE member_counts ("
    "  province TEXT NOT NULL,"
    "  sector TEXT NOT NULL,"
    "  gender TEXT NOT NULL,"
    "  birth_year INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  PRIMARY KEY (province, sector, gender, birth_year)) WITHOUT ROWID;"
    "INSERT INTO member_counts (province, sector, gender, birth_year, n)"
    "  SELECT coalesce(province, 'unknown'), coalesce(sector, 'unknown'),"
    "  coalesce(gender, 'unknown'), coalesce(birth_year, 0), count(*)"
    "  FROM members AS m WHERE " MEMBER_COUNTED("m") " GROUP BY 1, 2, 3, 4;"
    "CREATE TRIGGER member_counts_insert AFTER INSERT ON members"
    "  WHEN " MEMBER_COUNTED("NEW") " BEGIN " MEMBER_ADD("NEW", "1") " END;"
    "CREATE TRIGGER member_counts_update"
    "  AFTER UPDATE OF province, sector, gender, birth_year, erased_at, is_test ON members"
    "  BEGIN " MEMBER_ADD("OLD", "-1") MEMBER_ADD("NEW", "1") " END;"
    "CREATE TRIGGER member_counts_delete AFTER DELETE ON members"
    "  WHEN " MEMBER_COUNTED("OLD") " BEGIN " MEMBER_ADD("OLD", "-1") " END;"
    "CREATE INDEX members_test ON members(id) WHERE is_test = 1;",
    // clang-format on

    /* Staff accounts managed from the console: a disabled account cannot
     * sign in (its sessions end), and a password an admin reset is
     * temporary: valid until a time, to be replaced at the first sign-in. */
    "ALTER TABLE staff_users ADD COLUMN disabled_at INTEGER;"
    "ALTER TABLE staff_users ADD COLUMN password_temporary_until INTEGER;",

    /* Member edits by staff: the numbers a member had before a change
     * (history, erased with the member), and a withdrawal of consent
     * recorded on the member's request (when, by whom). */
    "CREATE TABLE member_phones ("
    "  id INTEGER PRIMARY KEY,"
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  phone TEXT NOT NULL,"
    "  replaced_at INTEGER NOT NULL,"
    "  replaced_by TEXT NOT NULL);"
    "CREATE INDEX member_phones_member ON member_phones(member_id);"
    "ALTER TABLE members ADD COLUMN consent_withdrawn_at INTEGER;"
    "ALTER TABLE members ADD COLUMN consent_withdrawn_by TEXT;",

    /* Retention (app/retention): rows found by age, and erasures queued
     * for the message archives (store/archive). */
    "CREATE INDEX messages_created ON messages(created_at);"
    "CREATE INDEX ussd_session_ends_created ON ussd_session_ends(created_at);"
    "CREATE INDEX ussd_drafts_updated ON ussd_drafts(updated_at);"
    "CREATE TABLE archive_erasures ("
    "  id INTEGER PRIMARY KEY,"
    "  member_id INTEGER NOT NULL,"
    "  phone TEXT NOT NULL,"
    "  requested_at INTEGER NOT NULL);",

    /* Delivery reports (issue 16, missing 4): when a provider took each
     * message (sent_at, set once by outbox_settle), the class of its last
     * send error (channels' send_error_class_name, set by the sender), the
     * rows of one broadcast in id order (the CSV export reads them a page
     * at a time), and what providers took per hour and channel (messages
     * and segments, test numbers left out), kept by triggers at the moment
     * a provider id is first recorded: the cost per channel per month sums
     * a few hundred rows instead of reading 10 M messages, and stays after
     * retention archives the messages (no trigger on delete). Existing
     * messages are counted at their creation hour. */
    // clang-format off
    "ALTER TABLE messages ADD COLUMN sent_at INTEGER;"
    "ALTER TABLE messages ADD COLUMN error_class TEXT;"
    "CREATE INDEX messages_broadcast_rows ON messages(broadcast_id)"
    "  WHERE broadcast_id IS NOT NULL;"
    "CREATE TABLE message_costs ("
    "  hour INTEGER NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  messages INTEGER NOT NULL,"
    "  segments INTEGER NOT NULL,"
    "  PRIMARY KEY (hour, channel)) WITHOUT ROWID;"
    "INSERT INTO message_costs (hour, channel, messages, segments)"
    "  SELECT created_at / 3600, channel, count(*), sum(segments) FROM messages AS m"
    "  WHERE " COUNTED("m") " AND provider_id IS NOT NULL GROUP BY 1, 2;"
    "CREATE TRIGGER message_costs_insert AFTER INSERT ON messages"
    "  WHEN NEW.provider_id IS NOT NULL AND " COUNTED("NEW") " BEGIN " COST_ADD("NEW.created_at") " END;"
    "CREATE TRIGGER message_costs_taken AFTER UPDATE OF provider_id ON messages"
    "  WHEN OLD.provider_id IS NULL AND NEW.provider_id IS NOT NULL AND " COUNTED("NEW")
    "  BEGIN " COST_ADD("coalesce(NEW.sent_at, NEW.updated_at)") " END;",
    // clang-format on

    /* Message templates staff save and reuse (store/templates): texts per
     * language as JSON like broadcasts' (placeholders {name}, {member_no},
     * {event}, {date}), archived rather than deleted (archived_at). */
    "CREATE TABLE templates ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  texts TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  archived_at INTEGER);",

    /* Approvals (app/approval): a broadcast over a threshold waits in
     * 'awaiting_approval' for a second staff member; the request, the
     * approval (the recipients and cost it covers), a rejection and a
     * refusal for the channel's monthly budget are kept on the row. The
     * status CHECK cannot be altered in place: the table is rebuilt
     * (nothing references it; its one index is made again). */
    "CREATE TABLE broadcasts_new ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  topic TEXT,"
    "  channel TEXT NOT NULL,"
    "  audience TEXT NOT NULL,"
    "  texts TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('draft','awaiting_approval','scheduled','started',"
    "    'cancelled')),"
    "  scheduled_at INTEGER,"
    "  started_at INTEGER,"
    "  cancelled_at INTEGER,"
    "  recipients INTEGER,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  approval_action TEXT CHECK (approval_action IN ('send','schedule')),"
    "  approval_reasons TEXT,"
    "  approval_requested_by TEXT,"
    "  approval_requested_at INTEGER,"
    "  approved_by TEXT,"
    "  approved_at INTEGER,"
    "  approved_recipients INTEGER,"
    "  approved_cost_mad REAL,"
    "  rejected_by TEXT,"
    "  rejected_at INTEGER,"
    "  rejection_reason TEXT,"
    "  refusal TEXT,"
    "  refused_at INTEGER);"
    "INSERT INTO broadcasts_new (id, name, topic, channel, audience, texts, status, scheduled_at,"
    "  started_at, cancelled_at, recipients, created_by, created_at, updated_at)"
    "  SELECT id, name, topic, channel, audience, texts, status, scheduled_at, started_at,"
    "  cancelled_at, recipients, created_by, created_at, updated_at FROM broadcasts;"
    "DROP TABLE broadcasts;"
    "ALTER TABLE broadcasts_new RENAME TO broadcasts;"
    "CREATE INDEX broadcasts_due ON broadcasts(status, scheduled_at);",

    /* The hourly counts carry the messages' segments too: a channel's
     * spending this month (segments x price, app/approval) is read from a
     * few hundred counts instead of a month of messages, inside the write
     * transaction that queues a broadcast. Counts rebuilt once. */
    // clang-format off
    "ALTER TABLE message_counts ADD COLUMN segments INTEGER NOT NULL DEFAULT 0;"
    "DELETE FROM message_counts;"
    "INSERT INTO message_counts (hour, channel, status, taken, n, segments)"
    "  SELECT created_at / 3600, channel, status, provider_id IS NOT NULL, count(*),"
    "  sum(segments) FROM messages AS m WHERE " COUNTED("m") " GROUP BY 1, 2, 3, 4;"
    "DROP TRIGGER message_counts_insert;"
    "DROP TRIGGER message_counts_update;"
    "DROP TRIGGER message_counts_delete;"
    "CREATE TRIGGER message_counts_insert AFTER INSERT ON messages"
    "  WHEN " COUNTED("NEW") " BEGIN " COUNT_ADD_SEGMENTS("NEW", "1") " END;"
    "CREATE TRIGGER message_counts_update"
    "  AFTER UPDATE OF status, channel, provider_id, direction, phone, created_at, segments"
    "  ON messages"
    "  WHEN OLD.status IS NOT NEW.status OR OLD.channel IS NOT NEW.channel"
    "  OR (OLD.provider_id IS NULL) IS NOT (NEW.provider_id IS NULL)"
    "  OR OLD.direction IS NOT NEW.direction OR OLD.phone IS NOT NEW.phone"
    "  OR OLD.created_at IS NOT NEW.created_at OR OLD.segments IS NOT NEW.segments"
    "  BEGIN " COUNT_ADD_SEGMENTS("OLD", "-1") COUNT_ADD_SEGMENTS("NEW", "1") " END;"
    "CREATE TRIGGER message_counts_delete AFTER DELETE ON messages"
    "  WHEN " COUNTED("OLD") " BEGIN " COUNT_ADD_SEGMENTS("OLD", "-1") " END;",
    // clang-format on

    /* The console's dashboard sums the grants per status with their
     * amounts (test members' left out): read from this index alone instead
     * of every grant row with its three notes (100 k grants at national
     * size: 45 ms of CPU before, 12 after). */
    "CREATE INDEX grants_status_amount ON grants(status, member_id, amount_mad);",

    /* What a provider said a message cost, in dirhams (Africa's Talking
     * answers each send with it; the sender records it), counted into
     * message_costs with the segments it covers: a month's cost is the
     * providers' figures plus the config's price for the segments no
     * provider priced. */
    // clang-format off
    "ALTER TABLE messages ADD COLUMN provider_cost_mad REAL;"
    "ALTER TABLE message_costs ADD COLUMN priced_segments INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE message_costs ADD COLUMN provider_cost_mad REAL NOT NULL DEFAULT 0;"
    "CREATE TRIGGER message_costs_priced AFTER UPDATE OF provider_cost_mad ON messages"
    "  WHEN OLD.provider_cost_mad IS NULL AND NEW.provider_cost_mad IS NOT NULL"
    "  AND NEW.provider_id IS NOT NULL AND " COUNTED("NEW") " BEGIN"
    "  INSERT INTO message_costs (hour, channel, messages, segments, priced_segments,"
    "  provider_cost_mad) VALUES (coalesce(NEW.sent_at, NEW.updated_at) / 3600, NEW.channel,"
    "  0, 0, NEW.segments, NEW.provider_cost_mad) ON CONFLICT DO UPDATE SET"
    "  priced_segments = priced_segments + excluded.priced_segments,"
    "  provider_cost_mad = provider_cost_mad + excluded.provider_cost_mad; END;",
    // clang-format on

    /* The event a broadcast's {event} and {date} name (an invitation to a
     * province names the event its audience has not booked yet). */
    "ALTER TABLE broadcasts ADD COLUMN event_id INTEGER REFERENCES events(id);",

    /* Recurring broadcasts (store/recurrences, app/recurrence): a rule over
     * a template draft (weekly, monthly, or the day before each event
     * matching a filter, at a local time); each occurrence is a broadcast
     * of its own (a copy of the template, recurrence_id set) recorded once
     * per (rule, time, event) so no crash or tick repeats it; a skipped
     * occurrence is recorded too. Deleting the template ends its rules. */
    "CREATE TABLE recurrences ("
    "  id INTEGER PRIMARY KEY,"
    "  broadcast_id INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('weekly','monthly','event_eve')),"
    "  weekday INTEGER CHECK (weekday BETWEEN 1 AND 7),"
    "  month_day INTEGER CHECK (month_day BETWEEN 1 AND 31),"
    "  minute INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 1439),"
    "  event_filter TEXT,"
    "  audience TEXT NOT NULL CHECK (audience IN ('broadcast','attendees')),"
    "  starts_at INTEGER NOT NULL,"
    "  ends_at INTEGER,"
    "  max_count INTEGER CHECK (max_count IS NULL OR max_count > 0),"
    "  created_count INTEGER NOT NULL DEFAULT 0,"
    "  skipped_count INTEGER NOT NULL DEFAULT 0,"
    "  status TEXT NOT NULL CHECK (status IN ('active','paused','ended','deleted')),"
    "  next_at INTEGER,"
    "  last_at INTEGER,"
    "  ended_reason TEXT,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX recurrences_due ON recurrences(status, next_at);"
    "CREATE INDEX recurrences_template ON recurrences(broadcast_id);"
    "CREATE TABLE recurrence_occurrences ("
    "  id INTEGER PRIMARY KEY,"
    "  recurrence_id INTEGER NOT NULL REFERENCES recurrences(id),"
    "  due_at INTEGER NOT NULL,"
    "  event_id INTEGER NOT NULL DEFAULT 0,"
    "  broadcast_id INTEGER,"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('created','skipped')),"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (recurrence_id, due_at, event_id));"
    "ALTER TABLE broadcasts ADD COLUMN recurrence_id INTEGER;"
    "CREATE INDEX broadcasts_recurrence ON broadcasts(recurrence_id)"
    "  WHERE recurrence_id IS NOT NULL;"
    "CREATE TRIGGER recurrences_template_deleted AFTER DELETE ON broadcasts BEGIN"
    "  UPDATE recurrences SET status = 'ended', ended_reason = 'template_deleted',"
    "  next_at = NULL, updated_at = CAST(strftime('%s','now') AS INTEGER)"
    "  WHERE broadcast_id = OLD.id AND status IN ('active','paused'); END;",

    /* Broadcasts expanded in chunks (issue 14, app/expander): 'expanding'
     * while its members are written into the outbox a range of member ids
     * per short write transaction; the cursor (expand_after, the last
     * member id done, up to expand_until, the highest id when it was sent)
     * moves in the chunk's own transaction, so a restart resumes where the
     * last commit left off. expand_total is the plan's count, expand_queued
     * the messages written so far, expand_spec the texts as they travel
     * (JSON, fixed at the send). The status CHECK cannot be altered in
     * place: the table is rebuilt with its indexes and trigger. One
     * message per member and broadcast is kept by the cursor moving in the
     * chunk's transaction, not by a UNIQUE index: the national bench data
     * set (tests/bench/national.py) repeats members within a broadcast. */
    "CREATE TABLE broadcasts_new ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  topic TEXT,"
    "  channel TEXT NOT NULL,"
    "  audience TEXT NOT NULL,"
    "  texts TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('draft','awaiting_approval','scheduled','expanding',"
    "    'started','cancelled')),"
    "  scheduled_at INTEGER,"
    "  started_at INTEGER,"
    "  cancelled_at INTEGER,"
    "  recipients INTEGER,"
    "  created_by TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  approval_action TEXT CHECK (approval_action IN ('send','schedule')),"
    "  approval_reasons TEXT,"
    "  approval_requested_by TEXT,"
    "  approval_requested_at INTEGER,"
    "  approved_by TEXT,"
    "  approved_at INTEGER,"
    "  approved_recipients INTEGER,"
    "  approved_cost_mad REAL,"
    "  rejected_by TEXT,"
    "  rejected_at INTEGER,"
    "  rejection_reason TEXT,"
    "  refusal TEXT,"
    "  refused_at INTEGER,"
    "  event_id INTEGER REFERENCES events(id),"
    "  recurrence_id INTEGER,"
    "  expand_after INTEGER,"
    "  expand_until INTEGER,"
    "  expand_total INTEGER,"
    "  expand_queued INTEGER,"
    "  expand_spec TEXT);"
    "INSERT INTO broadcasts_new (id, name, topic, channel, audience, texts, status, scheduled_at,"
    "  started_at, cancelled_at, recipients, created_by, created_at, updated_at, approval_action,"
    "  approval_reasons, approval_requested_by, approval_requested_at, approved_by, approved_at,"
    "  approved_recipients, approved_cost_mad, rejected_by, rejected_at, rejection_reason,"
    "  refusal, refused_at, event_id, recurrence_id)"
    "  SELECT id, name, topic, channel, audience, texts, status, scheduled_at, started_at,"
    "  cancelled_at, recipients, created_by, created_at, updated_at, approval_action,"
    "  approval_reasons, approval_requested_by, approval_requested_at, approved_by, approved_at,"
    "  approved_recipients, approved_cost_mad, rejected_by, rejected_at, rejection_reason,"
    "  refusal, refused_at, event_id, recurrence_id FROM broadcasts;"
    "DROP TABLE broadcasts;"
    "ALTER TABLE broadcasts_new RENAME TO broadcasts;"
    "CREATE INDEX broadcasts_due ON broadcasts(status, scheduled_at);"
    "CREATE INDEX broadcasts_recurrence ON broadcasts(recurrence_id)"
    "  WHERE recurrence_id IS NOT NULL;"
    "CREATE TRIGGER recurrences_template_deleted AFTER DELETE ON broadcasts BEGIN"
    "  UPDATE recurrences SET status = 'ended', ended_reason = 'template_deleted',"
    "  next_at = NULL, updated_at = CAST(strftime('%s','now') AS INTEGER)"
    "  WHERE broadcast_id = OLD.id AND status IN ('active','paused'); END;",

    /* A broadcast's messages counted by status, with their segments, kept
     * by triggers in the transaction of every write that adds, moves or
     * removes one (an expansion chunk, the send window's release, the
     * sender's claim and settle, retries and expiry, delivery reports, a
     * cancel, retention's deletes), whoever writes it: GET /broadcasts/{id}
     * and the console's progress bar, which polls it, read a handful of
     * rows instead of counting every message of the broadcast (1 M for a
     * national one: seconds per poll). The counts equal count(*) over
     * messages at every commit; test numbers are counted, as before. Counts
     * that fell to 0 stay as rows. */
    // clang-format off
    "CREATE TABLE broadcast_counts ("
    "  broadcast_id INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  segments INTEGER NOT NULL,"
    "  PRIMARY KEY (broadcast_id, status)) WITHOUT ROWID;"
    "INSERT INTO broadcast_counts (broadcast_id, status, n, segments)"
    "  SELECT broadcast_id, status, count(*), sum(segments) FROM messages"
    "  WHERE broadcast_id IS NOT NULL GROUP BY 1, 2;"
    "CREATE TRIGGER broadcast_counts_insert AFTER INSERT ON messages"
    "  WHEN NEW.broadcast_id IS NOT NULL BEGIN " BROADCAST_ADD("NEW", "1") " END;"
    "CREATE TRIGGER broadcast_counts_update AFTER UPDATE OF status, segments, broadcast_id"
    "  ON messages WHEN (OLD.broadcast_id IS NOT NULL OR NEW.broadcast_id IS NOT NULL)"
    "  AND (OLD.status IS NOT NEW.status OR OLD.segments IS NOT NEW.segments"
    "  OR OLD.broadcast_id IS NOT NEW.broadcast_id)"
    "  BEGIN " BROADCAST_ADD("OLD", "-1") BROADCAST_ADD("NEW", "1") " END;"
    "CREATE TRIGGER broadcast_counts_delete AFTER DELETE ON messages"
    "  WHEN OLD.broadcast_id IS NOT NULL BEGIN " BROADCAST_ADD("OLD", "-1") " END;",
    // clang-format on

    /* The budget of a channel counts the part of a broadcast not yet
     * written while it expands (store/approvals): the plan's segments are
     * kept with its recipients at the send. A broadcast expanding when
     * this runs gets its texts' largest count per recipient (at least 1). */
    "ALTER TABLE broadcasts ADD COLUMN expand_segments INTEGER;"
    "UPDATE broadcasts SET expand_segments = expand_total * max(1, coalesce((SELECT"
    "  max(json_extract(t.value, '$.segments')) FROM json_each(expand_spec, '$.texts') AS t), 1))"
    "  WHERE status = 'expanding' AND json_valid(expand_spec);",

    /* A member's grants and their cooperative's, newest first, read in
     * order from an index each (store/grants: two arms merged, no sort on
     * every USSD step that shows grants); the single-column indexes they
     * replace are their prefixes. */
    "CREATE INDEX grants_member_updated ON grants(member_id, updated_at);"
    "CREATE INDEX grants_cooperative_updated ON grants(cooperative_id, updated_at);"
    "DROP INDEX grants_member;"
    "DROP INDEX grants_cooperative;",

    /* 31: several taawund nodes on one database (PostgreSQL, issue 13):
     * each node's number (store/nodes), and the node that claimed a message
     * being sent, so that the others queue it again when that node dies.
     * SQLite has one node: claimed_by stays NULL there. */
    "CREATE TABLE nodes (id INTEGER PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL);"
    "ALTER TABLE messages ADD COLUMN claimed_by INTEGER;",

    /* 32: failed authentications per client address, shared by the nodes
     * of one database (app/throttle on PostgreSQL; SQLite's one node keeps
     * them in memory and never writes here). */
    "CREATE TABLE throttles (scope TEXT NOT NULL, client TEXT NOT NULL,"
    "  window_start INTEGER NOT NULL, failures INTEGER NOT NULL, blocked_until INTEGER NOT NULL,"
    "  PRIMARY KEY (scope, client));",

    /* 33: the live USSD sessions, shared by the nodes of one database
     * (app/ussd_session on PostgreSQL, where any step of a session may
     * reach any node; store/shared_sessions): a session's record packed, when
     * its last step came and whether it ended. SQLite's one node keeps them
     * in memory and never writes here. */
    "CREATE TABLE ussd_sessions (key TEXT PRIMARY KEY, record BLOB NOT NULL,"
    "  last_seen INTEGER NOT NULL, closed INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX ussd_sessions_last_seen ON ussd_sessions(last_seen);",
};

const size_t db_migrations_count = sizeof db_migrations / sizeof db_migrations[0];
