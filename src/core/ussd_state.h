/* ussd_state.h -- the member's USSD menus as data: the screens, the state a
 * session carries (and drafts keep), what the engine reads (struct ussd_env,
 * struct ussd_data) and the effects it asks for. The engine's functions are
 * in core/ussd_menu.h; the screens' declarations (core/ussd_screens.h) and
 * the layout need only these types, so the engine and its declarations do
 * not include each other. */
#ifndef TAAWUN_CORE_USSD_STATE_H
#define TAAWUN_CORE_USSD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/limits.h"
#include "core/screen.h"
#include "core/topic.h"

#define USSD_NAME_MAX 256 /* bytes: 60 characters of up to 4 bytes, with room */
#define USSD_NAME_CHARS_MIN 2
#define USSD_NAME_CHARS_MAX 60
#define USSD_CODE_MAX 32
#define USSD_REF_MAX 24
#define USSD_IDEA_TITLE_CHARS_MIN 3
#define USSD_IDEA_TITLE_CHARS_MAX 60
#define USSD_IDEA_TEXT_CHARS_MIN 10
#define USSD_IDEA_TEXT_CHARS_MAX 160
#define USSD_IDEA_TEXT_MAX 480 /* bytes */
#define USSD_LIST_MAX 30       /* items one list may page through */
#define USSD_STATE_VERSION 8   /* bump when struct ussd_state changes (drafts) */
#define USSD_PAGES_MAX 32

/* Screen ids, kept in drafts: bump USSD_STATE_VERSION when they change.
 * Each is declared in one core/ussd_flow_*.c file. */
enum ussd_screen {
    /* screens that wait for input (CON) */
    USSD_SCR_LANGUAGE = 0,
    USSD_SCR_WELCOME,
    USSD_SCR_NAME,
    USSD_SCR_COOP,
    USSD_SCR_PROVINCE,
    USSD_SCR_SECTOR,
    USSD_SCR_GENDER,
    USSD_SCR_BIRTH_YEAR,
    USSD_SCR_CONSENT,
    USSD_SCR_CONFIRM,
    USSD_SCR_RESUME,
    USSD_SCR_HOME,
    USSD_SCR_GRANTS,
    USSD_SCR_GRANT_REF,
    USSD_SCR_GRANT_DETAIL,
    USSD_SCR_EVENTS,
    USSD_SCR_EVENT_DETAIL,
    USSD_SCR_EVENT_FULL,
    USSD_SCR_IDEA_SECTOR,
    USSD_SCR_IDEA_TITLE,
    USSD_SCR_IDEA_TEXT,
    USSD_SCR_IDEA_CONFIRM,
    USSD_SCR_ALERTS,
    USSD_SCR_PROFILE,
    USSD_SCR_CHANGE_LANGUAGE,
    USSD_SCR_ERASE_CONFIRM,
    /* registration by a cooperative's contact person (core/ussd_flow_agent.c) */
    USSD_SCR_AGENT_NAME,
    USSD_SCR_AGENT_PHONE,
    USSD_SCR_AGENT_LANGUAGE,
    USSD_SCR_AGENT_SECTOR,
    USSD_SCR_AGENT_GENDER,
    USSD_SCR_AGENT_YEAR,
    USSD_SCR_AGENT_CONFIRM,
    /* the consent of a member a contact person registered (same file) */
    USSD_SCR_MEMBER_CONSENT,
    /* last screens (END) */
    USSD_SCR_END_ABOUT,
    USSD_SCR_END_REGISTERED,
    USSD_SCR_END_REFUSED,
    USSD_SCR_END_LANGUAGE_CHANGED,
    USSD_SCR_END_RSVP_DONE,
    USSD_SCR_END_RSVP_ALREADY,
    USSD_SCR_END_EVENT_SMS,
    USSD_SCR_END_IDEA_DONE,
    USSD_SCR_END_IDEA_CANCELLED,
    USSD_SCR_END_STOPPED,
    USSD_SCR_END_STARTED,
    USSD_SCR_END_ERASED,
    USSD_SCR_END_AGENT_DONE,
    USSD_SCR_END_AGENT_TAKEN,
    USSD_SCR_END_AGENT_NOT_CONTACT,
    USSD_SCR_END_CONSENT_DECLINED,
    USSD_SCR_END_BUSY,
    USSD_SCR_COUNT
};

#define USSD_SCR_FIRST_END USSD_SCR_END_ABOUT

/* Flows that can be left unfinished and resumed from a draft. */
enum ussd_flow { USSD_FLOW_NONE = 0, USSD_FLOW_REGISTER, USSD_FLOW_IDEA };

/* What the registration has gathered so far. */
struct ussd_draft {
    char name[USSD_NAME_MAX];
    int64_t coop_id; /* 0: no cooperative */
    char coop_name[USSD_NAME_MAX];
    char province[USSD_CODE_MAX];
    char sector[USSD_CODE_MAX];
    char gender; /* 'f' / 'm' / 0 */
    int birth_year;
    /* Registration by a contact person only: the new member's own. */
    char phone[MSISDN_MAX]; /* E.164 */
    char lang[8];
};

/* What a project idea has gathered so far. */
struct ussd_idea {
    char sector[USSD_CODE_MAX];
    char title[USSD_NAME_MAX];
    char text[USSD_IDEA_TEXT_MAX];
};

struct ussd_state {
    uint32_t version; /* USSD_STATE_VERSION */
    enum ussd_screen screen;
    unsigned page; /* page of a list screen */
    /* First item of each page the member has seen: pages are where the
     * screens actually broke, whatever error line was shown at the time. */
    unsigned short page_first[USSD_PAGES_MAX];
    char lang[8];          /* language of the screens; "" before the member chose */
    const char *error_key; /* catalog key of the error line to show, or NULL */
    struct ussd_draft draft;
    struct ussd_idea idea;
    enum ussd_flow resume_flow;    /* on USSD_SCR_RESUME: which draft is offered */
    char grant_ref[USSD_REF_MAX];  /* grant shown on USSD_SCR_GRANT_DETAIL */
    int64_t event_id;              /* event shown on USSD_SCR_EVENT_DETAIL */
    int topic;                     /* USSD_EFFECT_SET_TOPIC: which topic */
    bool topic_on;                 /*   and its new value */
    char result_ref[USSD_REF_MAX]; /* set by the caller: member number, idea reference */
    bool no_sms; /* set by the caller: the SMS an effect's last screen promises will not go */
};

/* What the engine may know of the caller: borrowed strings, "" when unknown. */
struct ussd_member_view {
    bool registered;
    bool opted_out; /* stopped all messages */
    const char *name;
    const char *language;
    const char *member_no;
    const char *cooperative_name;
    const char *province;
    const char *sector;
    bool is_contact; /* their cooperative's contact person: may register members */
    /* Registered by their cooperative's contact person, consent not given
     * ('pending' or 'refused'): asked for it before any service. */
    bool consent_awaited;
};

/* A grant application as a member sees it. */
struct ussd_grant {
    char reference[USSD_REF_MAX];
    char status[USSD_CODE_MAX]; /* submitted, under_review, ... (texts "grant_status.X") */
    long long amount_mad;
    char note[512]; /* in the member's language, "" when none (the API takes 500 bytes) */
};

/* An upcoming event in the member's language and local time. */
struct ussd_event {
    int64_t id;
    char code[16];
    char kind[16];
    char title[USSD_NAME_MAX];
    char place[208];              /* the API takes 200 bytes */
    int day, month, hour, minute; /* local time of the programme */
    int capacity;                 /* -1: unlimited */
    int taken;                    /* seats taken */
    bool mine;                    /* the member has a seat */
};

/* Read-only access to the member's data. Each returns -1 on failure. */
struct ussd_data {
    /* The member's own and their cooperative's grants, newest first. */
    int (*grants)(void *ctx, struct ussd_grant *out, size_t max);
    /* A grant by reference, only if it is the member's or their
     * cooperative's: 1 found, 0 not (never reveals another's grant). */
    int (*grant_find)(void *ctx, const char *reference, struct ussd_grant *out);
    /* Upcoming events, the member's province first, then by start. */
    int (*events)(void *ctx, struct ussd_event *out, size_t max);
    /* One event: 1 found, 0 not. */
    int (*event_find)(void *ctx, int64_t id, struct ussd_event *out);
    /* The member's topic switches. Returns 0 or -1. */
    int (*topics)(void *ctx, bool enabled[TOPIC_COUNT]);
    /* Look a cooperative code up: 1 found (id and name filled), 0 unknown. */
    int (*coop_lookup)(void *ctx, const char *code, int64_t *id, char *name, size_t namesz);
    /* Whether a contact person may register e164 (enum ussd_phone_check),
     * or -1. */
    int (*phone_check)(void *ctx, const char *e164);
    void *ctx;
};

/* A number a contact person types for a new member. */
enum ussd_phone_check {
    USSD_PHONE_FREE = 0, /* no member has it */
    USSD_PHONE_MEMBER,   /* a member's already (an erased one's included) */
    USSD_PHONE_STOPPED,  /* the number sent STOP: it gets no messages */
    USSD_PHONE_MIXED,    /* a test number from a real one, or the reverse */
};

struct ussd_env {
    const struct catalog_set *texts;
    const char *programme;
    const char *const *languages; /* codes, in menu order */
    size_t nlanguages;
    const char *const *provinces; /* codes; names are texts "provinces.CODE" */
    size_t nprovinces;
    const char *const *sectors; /* codes; names are texts "sectors.CODE" */
    size_t nsectors;
    struct screen_limit limit;
    int current_year;
    int min_age;
    const struct ussd_data *data; /* may be NULL: empty lists, every code unknown */
    const char *ussd_code;        /* the code the member dialled ("*384*123#"), NULL: unknown */
    /* Refuse (-1) a screen whose text would have to be cut to fit, instead
     * of cutting it: `taawund -n` checks catalogs this way. */
    bool strict;
};

enum ussd_effect {
    USSD_EFFECT_NONE = 0,
    /* Effects that queue an SMS set state->no_sms when it will not go. */
    USSD_EFFECT_REGISTER,       /* store state->draft as a member; set state->result_ref */
    USSD_EFFECT_SET_LANGUAGE,   /* store state->lang as the member's language */
    USSD_EFFECT_RSVP,           /* book a seat at state->event_id; SMS receipt */
    USSD_EFFECT_EVENT_SMS,      /* SMS the details of state->event_id */
    USSD_EFFECT_SUBMIT_IDEA,    /* store state->idea; set state->result_ref; SMS receipt */
    USSD_EFFECT_SET_TOPIC,      /* switch state->topic to state->topic_on */
    USSD_EFFECT_STOP_ALL,       /* the member stops all messages */
    USSD_EFFECT_START_ALL,      /* the member receives messages again */
    USSD_EFFECT_ERASE,          /* erase the member's personal data */
    USSD_EFFECT_RESUME_DRAFT,   /* load the saved draft into the state */
    USSD_EFFECT_DISCARD_DRAFT,  /* delete the saved draft */
    USSD_EFFECT_AGENT_REGISTER, /* a contact person registers state->draft (phone, lang);
                                 * set state->result_ref; the consent SMS */
    USSD_EFFECT_CONSENT_GIVE,   /* the member (consent_awaited) gives consent, audited */
    USSD_EFFECT_CONSENT_REFUSE, /* the member (consent_awaited) refuses, audited */
};

enum ussd_effect_result {
    USSD_RESULT_OK = 0,
    USSD_RESULT_FULL,    /* RSVP: no seat left */
    USSD_RESULT_ALREADY, /* RSVP: the member already has a seat; a number already a member's */
    USSD_RESULT_REFUSED, /* the caller may no longer do it (no longer a contact person) */
    USSD_RESULT_FAILED,  /* the write failed */
};

#endif
