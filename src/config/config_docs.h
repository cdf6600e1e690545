/* config_docs.h -- the sentence that documents each setting of the schema
 * (config/config.c), kept apart from the parser: config_schema_entry joins
 * them for the taawun.conf(5) generator. */
#ifndef TAAWUN_CONFIG_CONFIG_DOCS_H
#define TAAWUN_CONFIG_CONFIG_DOCS_H

#include <stddef.h>

/* The sentence for the schema path ("http.public.port", "channels.[].name"),
 * or NULL when there is none. Static storage: never freed. */
const char *config_docs_sentence(const char *path);

/* The path of sentence number i (0, 1, ...), NULL past the end: a test
 * checks that each still names a setting of the schema. */
const char *config_docs_path(size_t i);

#endif
