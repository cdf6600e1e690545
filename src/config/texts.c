/* texts.c -- reads conf/messages/LANG.conf with libconfig into core
 * catalogs and checks them (`taawund -n` and every start or reload). */
#include "config/texts.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/screen.h"
#include "core/topic.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"

static int load_group(struct catalog *cat, struct catalog *lines, config_setting_t *group,
                      const char *prefix, const char *file, struct config_errors *errs)
{
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        int line = (int)config_setting_source_line(s);
        if (config_setting_type(s) != CONFIG_TYPE_STRING) {
            config_error(errs, file, line, "text '%s' must be a string", name ? name : "?");
            continue;
        }
        const char *v = config_setting_get_string(s);
        if (!utf8_valid(v, strlen(v))) {
            config_error(errs, file, line, "text '%s' is not valid UTF-8", name);
            continue;
        }
        char key[160];
        if (prefix)
            snprintf(key, sizeof key, "%s.%s", prefix, name);
        else
            snprintf(key, sizeof key, "%s", name);
        char line_text[16];
        snprintf(line_text, sizeof line_text, "%d", line);
        if (catalog_put(cat, key, v) != 0 || catalog_put(lines, key, line_text) != 0) {
            config_error(errs, file, line, "out of memory");
            return -1;
        }
    }
    return 0;
}

static struct catalog *load_one(const char *dir, const char *lang, struct catalog **lines,
                                struct config_errors *errs)
{
    char path[CONFIG_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s.conf", dir, lang);
    config_t lc;
    config_init(&lc);
    if (config_read_file(&lc, path) != CONFIG_TRUE) {
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
            config_error(errs, path, 0, "cannot read the text catalog for language \"%s\"", lang);
        else
            config_error(errs, path, config_error_line(&lc), "%s", config_error_text(&lc));
        config_destroy(&lc);
        return NULL;
    }
    struct catalog *cat = catalog_new(lang);
    *lines = catalog_new(lang);
    if (!*lines) {
        catalog_free(cat);
        cat = NULL;
    }
    config_setting_t *root = config_root_setting(&lc);
    int n = config_setting_length(root);
    size_t before = errs->count;
    for (int i = 0; cat && i < n; i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        int line = (int)config_setting_source_line(s);
        if (strcmp(name, "lang") == 0) {
            const char *v = config_setting_get_string(s);
            if (!v || strcmp(v, lang) != 0)
                config_error(errs, path, line, "'lang' must be \"%s\"", lang);
        } else if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
            load_group(cat, *lines, s, strcmp(name, "messages") == 0 ? NULL : name, path, errs);
        } else {
            config_error(errs, path, line, "unknown setting '%s' (texts go in groups)", name);
        }
    }
    config_destroy(&lc);
    if (!cat || errs->count > before) {
        catalog_free(cat);
        catalog_free(*lines);
        *lines = NULL;
        return NULL;
    }
    return cat;
}

int texts_load(const struct config *cfg, struct texts *out, struct config_errors *errs)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < cfg->programme.nlanguages; i++) {
        struct catalog *lines = NULL;
        struct catalog *c =
            load_one(cfg->programme.messages_dir, cfg->programme.languages[i], &lines, errs);
        if (!c) {
            texts_free(out);
            return -1;
        }
        out->catalogs[out->count] = c;
        out->lines[out->count] = lines;
        out->set.langs[out->count] = c;
        out->count++;
        if (strcmp(cfg->programme.languages[i], cfg->programme.default_language) == 0)
            out->set.fallback = c;
    }
    out->set.count = out->count;
    return 0;
}

void texts_free(struct texts *t)
{
    for (size_t i = 0; i < t->count; i++) {
        catalog_free(t->catalogs[i]);
        catalog_free(t->lines[i]);
    }
    memset(t, 0, sizeof *t);
}

struct check_ctx {
    struct config_errors *errs;
    const struct texts *texts;
    const char *channel;
    const char *dir;
};

static void report_unfit(void *ctx, const char *lang, const char *screen, const char *key)
{
    struct check_ctx *c = ctx;
    char path[CONFIG_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s.conf", c->dir, lang);
    int line = 0;
    for (size_t i = 0; i < c->texts->count; i++)
        if (strcmp(catalog_lang(c->texts->catalogs[i]), lang) == 0) {
            const char *l = catalog_get(c->texts->lines[i], key);
            line = l ? atoi(l) : 0;
        }
    config_error(c->errs, path, line,
                 "text '%s' is too long: screen '%s' cannot fit the USSD screen of channel "
                 "\"%s\" (with its options and an error line, each option within three keys of "
                 "home)",
                 key, screen, c->channel);
}

static void check_key(const struct config *cfg, const struct texts *t, const char *key,
                      struct config_errors *errs, struct config_errors *warnings)
{
    for (size_t i = 0; i < t->count; i++) {
        if (catalog_get(t->catalogs[i], key))
            continue;
        char path[CONFIG_PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/%s.conf", cfg->programme.messages_dir,
                 catalog_lang(t->catalogs[i]));
        if (t->catalogs[i] == t->set.fallback)
            config_error(errs, path, 0, "missing text '%s' in the default language", key);
        else
            config_error(warnings, path, 0, "missing text '%s' (falls back to %s)", key,
                         cfg->programme.default_language);
    }
}

int texts_check(const struct config *cfg, const struct texts *t, struct config_errors *errs,
                struct config_errors *warnings)
{
    size_t before = errs->count;
    const char *ussd_keys[USSD_TEXT_KEYS_MAX];
    size_t nussd_keys = ussd_menu_text_keys(ussd_keys, USSD_TEXT_KEYS_MAX);
    for (size_t k = 0; k < nussd_keys; k++)
        check_key(cfg, t, ussd_keys[k], errs, warnings);
    static const char *const sms_keys[] = {"sms_registered",
                                           "sms_rsvp",
                                           "sms_event",
                                           "sms_idea",
                                           "sms_grant_status",
                                           "sms_idea_status",
                                           "sms_event_cancelled",
                                           "sms_event_reminder",
                                           "broadcast_opt_out_hint",
                                           "sms_agent_consent",
                                           "sms_consent_given",
                                           "sms_consent_refused",
                                           "sms_consent_ask",
                                           "broadcast_name_fallback"};
    for (size_t k = 0; k < sizeof sms_keys / sizeof sms_keys[0]; k++)
        check_key(cfg, t, sms_keys[k], errs, warnings);
    /* The SMS commands' texts (app/sms_*.c). */
    static const char *const sms_command_keys[] = {
        "sms_help",          "sms_unknown",       "sms_register_first", "sms_already_registered",
        "sms_reg_name",      "sms_reg_coop",      "sms_reg_province",   "sms_reg_sector",
        "sms_reg_gender",    "sms_reg_year",      "sms_reg_consent",    "sms_grants_none",
        "sms_grant_unknown", "sms_event_item",    "sms_events_join",    "sms_join_usage",
        "sms_event_unknown", "sms_event_closed",  "sms_idea_usage",     "sms_alerts",
        "sms_alerts_usage",  "sms_alert_set",     "sms_language_usage", "sms_stopped",
        "sms_stopped_topic", "sms_started",       "sms_started_topic",  "sms_start_unregistered",
        "sms_mydata",        "sms_erase_confirm", "sms_list_more",      "sms_list_end",
        "sms_list_sep",      "sms_prefix",        "sms_err_year",       "sms_idea_cut",
        "sms_alert_item"};
    for (size_t k = 0; k < sizeof sms_command_keys / sizeof sms_command_keys[0]; k++)
        check_key(cfg, t, sms_command_keys[k], errs, warnings);
    char key[96];
    for (size_t i = 0; i < cfg->programme.nprovinces; i++) {
        snprintf(key, sizeof key, "provinces.%s", cfg->programme.provinces[i]);
        check_key(cfg, t, key, errs, warnings);
    }
    for (size_t i = 0; i < TOPIC_COUNT; i++) {
        snprintf(key, sizeof key, "sms_topic_word.%s", topic_codes[i]);
        check_key(cfg, t, key, errs, warnings);
    }
    for (size_t i = 0; i < cfg->programme.nsectors; i++) {
        snprintf(key, sizeof key, "sectors.%s", cfg->programme.sectors[i]);
        check_key(cfg, t, key, errs, warnings);
    }
    if (errs->count > before)
        return (int)(errs->count - before);

    const char *langs[CATALOG_LANGS_MAX], *provinces[CONFIG_LIST_MAX], *sectors[CONFIG_LIST_MAX];
    for (size_t i = 0; i < cfg->programme.nlanguages; i++)
        langs[i] = cfg->programme.languages[i];
    for (size_t i = 0; i < cfg->programme.nprovinces; i++)
        provinces[i] = cfg->programme.provinces[i];
    for (size_t i = 0; i < cfg->programme.nsectors; i++)
        sectors[i] = cfg->programme.sectors[i];
    for (size_t c = 0; c < cfg->nchannels; c++) {
        const struct channel_settings *ch = &cfg->channels[c];
        struct ussd_env env = {
            .texts = &t->set,
            .programme = cfg->programme.name,
            .languages = langs,
            .nlanguages = cfg->programme.nlanguages,
            .provinces = provinces,
            .nprovinces = cfg->programme.nprovinces,
            .sectors = sectors,
            .nsectors = cfg->programme.nsectors,
            .limit = {(size_t)ch->ussd_screen_max, (size_t)ch->ussd_screen_max_ucs2},
            .current_year = 2026,
            .min_age = cfg->programme.min_age,
        };
        struct check_ctx ctx = {errs, t, ch->name, cfg->programme.messages_dir};
        ussd_menu_check(&env, report_unfit, &ctx);
    }
    return (int)(errs->count - before);
}
