/* The device's describe messages (specs/particle-cloud-protocol.md §3):
 * the system part {"p":6,"m":[modules]} and the application part
 * {"f":[functions],"v":{variable:type}}, in 1.5.0's and 2.2.0's forms.
 * Parsed with jansson; pure code. */
#ifndef PHOTON_CLOUD_DESCRIBE_H
#define PHOTON_CLOUD_DESCRIBE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define DESCRIBE_MAX_MODULES 16
#define DESCRIBE_MAX_DEPS 4

/* vc / vv bits: the checks made and the checks passed. */
enum {
    CHECK_INTEGRITY = 2,
    CHECK_DEPENDENCIES = 4,
    CHECK_RANGE = 8,
    CHECK_PLATFORM = 16,
    CHECK_FULL_DEPENDENCIES = 64,
};

typedef struct describe_dep {
    char func; /* 'b', 's', 'u', 'm' */
    int index, version;
} describe_dep;

typedef struct describe_module {
    char func;     /* "f": b bootloader, s system, u user, m mono, r radio */
    char location; /* "l": m main, f factory, t OTA area */
    int index;     /* "n" */
    int version;   /* "v" */
    int vc, vv;    /* -1 if absent */
    long size;     /* "s" */
    char hash[65]; /* "u", lowercase, "" if absent */
    int ndeps;
    describe_dep deps[DESCRIBE_MAX_DEPS];
} describe_module;

typedef struct describe_system {
    int platform; /* "p", -1 if absent */
    int nmodules;
    describe_module modules[DESCRIBE_MAX_MODULES];
} describe_system;

/* Split a describe payload into its system and application parts (a GET
 * /d answer may hold both). Each out pointer gets a new JSON text or NULL.
 * Returns -1 if the payload is not a JSON object. */
int describe_split(const char *payload, size_t len, char **system_json, char **app_json);
/* 0, or -1 if the text is not a system describe. */
int describe_parse_system(const char *json, describe_system *out);
/* The module of that function and index in the main location, or NULL. */
const describe_module *describe_find(const describe_system *s, char func, int index);
/* "integrity (CRC), dependencies" for the bits in `checks`. */
const char *describe_checks_str(int checks, char *buf, size_t n);
/* "system.2 >= 2202" etc. for a dependency, "" if the function is unknown. */
const char *describe_dep_str(const describe_dep *d, char *buf, size_t n);
/* The application's functions as a JSON array and variables as a JSON
 * object {name: "int32"|"double"|"string"|"bool"}; new references, empty
 * when app_json is NULL or malformed. */
json_t *describe_functions(const char *app_json);
json_t *describe_variables(const char *app_json);
/* True when the application describe lists no function and no variable
 * (or is NULL): 1.5.0 answers the first describe before the app's setup()
 * has registered them, so an empty one is not the app's last word. */
bool describe_app_empty(const char *app_json);
/* A variable's type code (1 bool, 2 int, 4 string, 9 double), or 0. */
int describe_variable_type(const char *app_json, const char *name);
/* Decode a variable value of that type into JSON (int 4 bytes big-endian,
 * bool 1 byte, double 8 bytes little-endian, string raw). NULL if the
 * length does not fit the type. */
/* Bytes as a JSON string; bytes that are not UTF-8 become '?'. */
json_t *describe_text(const unsigned char *data, size_t len);
json_t *describe_decode_value(int type, const unsigned char *data, size_t len);

#endif
