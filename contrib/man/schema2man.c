/* schema2man.c -- writes taawun.conf(5) from its template, putting the
 * settings section generated from the config schema (config/config.h,
 * config_schema_entry) where the template has the line ".\" @SETTINGS@" and
 * the version where it has @VERSION@. Built and run by the Makefile, so the
 * manual cannot drift from the parser.
 *
 *   schema2man TEMPLATE VERSION > taawun.conf.5
 *
 * Exit 0, or 1 with a message on stderr (unreadable template, no marker). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define LINE_MAX_BYTES 1024
#define MARKER ".\\\" @SETTINGS@"

/* Text for a roff text line: backslashes and minus signs escaped; a line
 * never starts with a control character. */
static void put_text(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

static void put_choices(const char *choices)
{
    fputs("One of ", stdout);
    for (const char *p = choices; *p; p++) {
        if (*p == '|')
            fputs(", ", stdout);
        else if (*p == '-')
            fputs("\\-", stdout);
        else
            putchar(*p);
    }
    fputs(". ", stdout);
}

static void put_value_line(const struct config_schema_entry *e)
{
    if (strcmp(e->type, "integer") == 0 || strcmp(e->type, "number") == 0) {
        printf("%s from %ld to %ld. ", strcmp(e->type, "integer") == 0 ? "Integer" : "Number",
               e->min, e->max);
    } else if (strcmp(e->type, "boolean") == 0) {
        fputs("true or false. ", stdout);
    } else if (strcmp(e->type, "string") == 0) {
        if (e->choices)
            put_choices(e->choices);
        else if (e->min == 0)
            printf("String of at most %ld bytes. ", e->max);
        else
            printf("String of %ld to %ld bytes. ", e->min, e->max);
    } else if (strcmp(e->type, "string array") == 0) {
        if (e->min == 0)
            printf("Array of at most %ld strings. ", e->max);
        else
            printf("Array of %ld to %ld strings. ", e->min, e->max);
    } else if (strcmp(e->type, "list") == 0) {
        printf("List of %ld to %ld groups. ", e->min, e->max);
    } else {
        fputs("Group. ", stdout);
    }
    if (e->required)
        fputs("Required.", stdout);
    else if (strcmp(e->type, "group") == 0 || strcmp(e->type, "list") == 0)
        fputs("Optional.", stdout);
    else if (!e->def)
        fputs("Optional, no default.", stdout);
    else if (strcmp(e->type, "string") == 0) {
        fputs("Default: \\(dq", stdout);
        put_text(e->def);
        fputs("\\(dq.", stdout);
    } else {
        fputs("Default: ", stdout);
        put_text(e->def);
        putchar('.');
    }
    putchar('\n');
}

static void put_settings(void)
{
    struct config_schema_entry e;
    for (size_t i = 0; config_schema_entry(i, &e); i++) {
        if (!strchr(e.path, '.')) {
            /* A top-level group or list opens a subsection. */
            printf(".SS %s\n", e.path);
            if (e.description) {
                put_text(e.description);
                putchar('\n');
            }
            put_value_line(&e);
            continue;
        }
        printf(".TP\n.B %s\n", e.path);
        if (e.description) {
            put_text(e.description);
            fputs("\n.br\n", stdout);
        }
        put_value_line(&e);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: schema2man TEMPLATE VERSION\n", stderr);
        return 1;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    char line[LINE_MAX_BYTES];
    int markers = 0;
    while (fgets(line, sizeof line, in)) {
        if (strncmp(line, MARKER, strlen(MARKER)) == 0) {
            put_settings();
            markers++;
            continue;
        }
        for (char *p = line; *p;) {
            char *at = strstr(p, "@VERSION@");
            if (!at) {
                fputs(p, stdout);
                break;
            }
            fwrite(p, 1, (size_t)(at - p), stdout);
            fputs(argv[2], stdout);
            p = at + strlen("@VERSION@");
        }
    }
    fclose(in);
    if (markers != 1) {
        fprintf(stderr, "schema2man: %s: expected one line '%s'\n", argv[1], MARKER);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
