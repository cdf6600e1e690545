/* limits.h -- every size limit of taawun in one place.
 *
 * Buffers are bounded by these constants; settings in the config may lower
 * (never raise) the ones marked "ceiling". */
#ifndef TAAWUN_CORE_LIMITS_H
#define TAAWUN_CORE_LIMITS_H

/* Network maxima of one USSD screen (PROVIDERS.md): ceilings for channel settings. */
#define USSD_SCREEN_MAX_GSM7 182
#define USSD_SCREEN_MAX_UCS2 80

/* SMS segment sizes. */
#define SMS_SINGLE_GSM7 160
#define SMS_PART_GSM7 153
#define SMS_SINGLE_UCS2 70
#define SMS_PART_UCS2 67

/* Segments one SMS reply may ever take: ceiling for sms.max_reply_segments. */
#define SMS_REPLY_SEGMENTS_CEILING 4

/* Bytes of UTF-8 one screen may take: 182 characters of up to 4 bytes, plus slack. */
#define SCREEN_BYTES_MAX 1024

/* Bytes of one option's label on a screen, formatted. */
#define SCREEN_LABEL_BYTES 160

/* A phone number in E.164 with the '+' and the NUL. */
#define MSISDN_MAX 17

/* Longest single USSD input we keep (a name, a reference, a short idea). */
#define USSD_INPUT_MAX 182

/* Bytes of one USSD input the menus read: USSD_INPUT_MAX characters of up
 * to 4 bytes, with room for spaces the cleaning squeezes. A longer input is
 * refused as a wrong one, never cut and taken. */
#define USSD_INPUT_BYTES_MAX 1024

/* What a live USSD session keeps to answer retransmissions and late copies
 * of its steps the same way (app/ussd_session): the newest step's text
 * (longer texts are matched by hash only), and the newest answers within a
 * byte budget (a French registration's eleven screens take about 2 KB).
 * These bound a step's working copy; the table keeps only the bytes used. */
#define USSD_SESSION_TEXT_MAX 1024
#define USSD_SESSION_ANSWERS_MAX 32
#define USSD_SESSION_ANSWER_BYTES 4096

/* Live USSD sessions gone since the table's peak before taawund hands the
 * freed memory back to the system (main.c upkeep; about 250 bytes each). */
#define USSD_TRIM_AFTER_SESSIONS 1000

/* Session identifiers and channel names as the aggregators send them. */
#define USSD_SESSION_ID_MAX 128
#define CHANNEL_NAME_MAX 32

/* A name as staff search stores it folded (store/db's fold_text(), the
 * column members.name_folded): bytes, NUL included; longer folds are cut
 * at a character boundary (a search by the first words still finds it).
 * And the words of one search (the rest are ignored). */
#define FOLDED_NAME_MAX 1024
#define SEARCH_WORDS_MAX 8

/* Fields in one form body, and one form body. */
#define FORM_FIELDS_MAX 64

/* Entries of http.trusted_proxies (reverse proxies whose X-Forwarded-For
 * names the client). */
#define TRUSTED_PROXIES_MAX 16

/* Hard ceiling on an HTTP request body (config may set less). */
#define HTTP_BODY_CEILING (1024 * 1024)
/* When a listener stops, how long the requests still parked for a later
 * answer (http/later, answered 503 then) are given to have it sent before
 * their connections are closed. */
#define HTTP_STOP_ANSWER_MS 1000

/* A signed Vonage request whose `timestamp` is further than this from our
 * clock is refused: a captured request cannot be replayed later (Vonage's
 * own guidance is five minutes). */
#define VONAGE_SIGNATURE_WINDOW_S 300

/* The earliest birth year a registration takes (the latest: this year
 * less programme.min_age). */
#define MEMBER_BIRTH_YEAR_MIN 1900

/* Database backups: pages copied per sqlite3_backup_step (4 KiB pages:
 * 1 MiB a step) and the pause between steps, so a backup of a running
 * daemon's database never hogs the disk. */
#define BACKUP_PAGES_PER_STEP 256
#define BACKUP_STEP_PAUSE_MS 2
/* Attempts of a step that finds the source busy before giving up. */
#define BACKUP_BUSY_RETRIES 500

/* Repeated identical log lines (sys/log, log_collapsed): one line per key
 * per this interval, the next one written carries repeated=N; the table
 * of keys is bounded (keys beyond it are written every time). */
#define LOG_COLLAPSE_INTERVAL_MS 5000
#define LOG_COLLAPSE_KEYS 64
#define LOG_COLLAPSE_KEY_MAX 64
/* The traffic summary (sys/log_summary): one info line per this many
 * seconds of the clock; the counts kept per period (counter x channel x
 * detail; beyond, counted as dropped) and the bytes of a detail word. */
#define LOG_SUMMARY_INTERVAL_S 60
#define LOG_SUMMARY_SERIES 256
#define LOG_SUMMARY_DETAIL_MAX 24

/* Writes failing for want of space (store/db): at most one WAL checkpoint
 * (TRUNCATE, store/db_checkpoint) and one write probe from /healthz per
 * this interval. */
#define DB_RECOVERY_INTERVAL_MS 1000
/* Each connection's page cache (KiB; SQLite's default is 2,000). Every
 * HTTP thread, the sender, the scheduler and the expander have their own
 * connection, so at national size the default filled to about 5 MiB more
 * after a USSD load; the pages themselves stay in the kernel's cache. */
#define DB_PAGE_CACHE_KIB 512
/* The WAL (store/db_checkpoint, its own thread, never a writer): a commit
 * that leaves it at DB_WAL_PAGES pages (SQLite's own default) or more
 * wakes the checkpointer, DB_WAL_PAGES_TIGHT once a write has failed for
 * want of space (on a nearly full disk the WAL must not grow into what was
 * freed). At DB_WAL_CAP_TIMES times that threshold it waits up to
 * DB_WAL_CAP_WAIT_MS for the writer and readers in the way to restart the
 * WAL (writers pause meanwhile), at most once per DB_WAL_CAP_INTERVAL_MS;
 * after DB_WAL_IDLE_MS without a commit it empties the WAL file. */
#define DB_WAL_PAGES 1000
#define DB_WAL_PAGES_TIGHT 64
#define DB_WAL_CAP_TIMES 4
#define DB_WAL_CAP_WAIT_MS 25
#define DB_WAL_CAP_INTERVAL_MS 1000
#define DB_WAL_IDLE_MS 1000

/* How long before an event its reminder SMS goes: the bounds of
 * programme.reminder_before_s and of an event's own reminder_before_s. */
#define REMINDER_LEAD_MIN_S 60
#define REMINDER_LEAD_MAX_S (30 * 86400)

/* Retention (app/retention): rows deleted per write transaction (old
 * messages are archived first, these many at a time), the scheduler's time
 * spent on retention per tick, the pause between two batches that lets
 * other writers take their turn, how often an idle pass looks again, and
 * erasure requests carried to the archive files per pass. */
#define RETENTION_BATCH_ROWS 500
#define RETENTION_TICK_BUDGET_MS 250
#define RETENTION_BATCH_PAUSE_MS 2
#define RETENTION_IDLE_INTERVAL_S 60
#define RETENTION_ERASURES_PER_PASS 200

/* Broadcast approvals (app/approval): the longest reason a rejection may
 * give (bytes), and how much a broadcast's recipients and cost may grow
 * past what its approval covered (percent) before it asks again (a
 * scheduled broadcast's audience grows as members register). */
#define APPROVAL_REASON_MAX 500
#define APPROVAL_GROWTH_PERCENT 10

/* Broadcasts expanded in chunks (app/expander, issue 14): a send of more
 * than BROADCAST_INLINE_MAX recipients is written into the outbox a range
 * of member ids per write transaction, not at once. The first range spans
 * EXPAND_SPAN_FIRST ids; each next one is sized (app/expand_span) so a
 * chunk holds the write lock about EXPAND_CHUNK_TARGET_MS, far under the
 * 50 ms a USSD step may wait, within EXPAND_SPAN_MIN..MAX ids, from an
 * id's cost as estimated: a dearer chunk sets it at once, a cheaper one
 * moves it EXPAND_SPAN_EASE_PCT percent of the way, and a span grows
 * EXPAND_SPAN_GROWTH_PCT percent at most (doubled after a cheap chunk, a
 * span overshot: 11 ms of CPU, then 27). A chunk writes its range in
 * EXPAND_CHUNK_SLICES statements and stops after the one that takes its
 * hold past EXPAND_CHUNK_TARGET_MS, its cursor where it stopped: a chunk
 * preempted while it holds the lock ends early. On a loaded machine a
 * chunk's hold is mostly its waits for a core, more of them the more CPU
 * it takes; a 10 ms aim left fewer chunks past EXPAND_HOLD_LIMIT_MS under
 * USSD load, 3 % not 12 % at 1 M members, but not the longest, and each
 * chunk's wake-up waits for a core too: the enqueue took 4.3x the raw
 * INSERT ... SELECT, not 2.05x. EXPAND_PAUSE_MS between chunks lets the
 * other writers in; a chunk held longer than EXPAND_HOLD_LIMIT_MS is
 * counted (log broadcast_expanded). While the WAL holds EXPAND_WAL_PAGES
 * pages or more, the next chunk waits up to EXPAND_WAL_WAIT_MS for the
 * checkpointer to restart it, so the expansion does not take the WAL to
 * its cap (DB_WAL_CAP_TIMES), where a writer -- a USSD step as well --
 * waits for a RESTART. The thread looks for work every EXPAND_POLL_MS
 * besides being woken, and serves up to EXPAND_BROADCASTS_MAX broadcasts
 * expanding at once in turn. */
#define BROADCAST_INLINE_MAX 500
#define EXPAND_SPAN_FIRST 512
#define EXPAND_SPAN_MIN 16
#define EXPAND_SPAN_MAX 65536
#define EXPAND_CHUNK_TARGET_MS 20
#define EXPAND_SPAN_GROWTH_PCT 25
#define EXPAND_SPAN_EASE_PCT 25
#define EXPAND_CHUNK_SLICES 4
#define EXPAND_HOLD_LIMIT_MS 50
#define EXPAND_PAUSE_MS 2
#define EXPAND_WAL_PAGES (DB_WAL_PAGES * 2)
#define EXPAND_WAL_WAIT_MS 100
#define EXPAND_POLL_MS 5000
#define EXPAND_BROADCASTS_MAX 16

/* The longest a message waits in the outbox before it expires (the bound
 * of channels.[].expiry_s): the budget counts waiting messages this old. */
#define CHANNEL_EXPIRY_MAX_S (30 * 86400)

/* GET /messages counts the matches of its filters up to this many (then
 * says total_exact false): a page never counts ten million rows. */
#define API_MESSAGES_TOTAL_MAX 10000

/* Recurring broadcasts (app/recurrence): an occurrence found late (the
 * daemon was down at its time) is still sent once when it is at most
 * RECURRENCE_CATCH_UP_S late, else skipped (recorded, audited); older
 * missed occurrences are always skipped, never sent one per tick. The
 * preview shows at most RECURRENCE_PREVIEW_MAX occurrences; an event
 * filter holds at most RECURRENCE_FILTER_BYTES of JSON; one tick creates
 * at most RECURRENCE_EVENTS_PER_TICK "day before" occurrences per rule. */
#define RECURRENCE_CATCH_UP_S (6 * 3600)
#define RECURRENCE_PREVIEW_MAX 20
#define RECURRENCE_FILTER_BYTES 2048
#define RECURRENCE_EVENTS_PER_TICK 32

#endif
