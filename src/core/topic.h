/* topic.h -- the topics a member can switch on or off (alerts): their order
 * and the codes the database, the API and the SMS keywords use. Declared
 * once; the USSD menus, the SMS commands and the store all read it. */
#ifndef TAAWUN_CORE_TOPIC_H
#define TAAWUN_CORE_TOPIC_H

enum topic {
    TOPIC_EVENTS = 0,
    TOPIC_TRAININGS,
    TOPIC_GRANTS,
    TOPIC_IDEATHON,
    TOPIC_NEWS,
    TOPIC_COUNT
};

/* The code of each topic, in enum order ("events", "trainings", ...). */
extern const char *const topic_codes[TOPIC_COUNT];

#endif
