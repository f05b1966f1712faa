/* libFuzzer target for the scenario parser (emulator/scenario/): any bytes
 * as a scenario file. The parser either returns a scenario with no errors
 * or refuses it with at least one message, each naming the file (FILE:LINE);
 * it never crashes or hangs (ASan/UBSan, libFuzzer's timeout). Nothing
 * runs: only the parser and the steps' argument checks are reached. Seeds:
 * tests/scenarios and tests/scenarios/bad, read in place. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    scn_error_list e = {0};
    scenario *sc = scenario_parse("fuzz.yaml", text, &e);
    if (sc) {
        if (e.n)
            abort(); /* parsed, yet errors */
        scenario_free(sc);
    } else {
        if (!e.n)
            abort(); /* refused without a word */
        for (size_t i = 0; i < e.n; i++)
            if (strncmp(e.msgs[i], "fuzz.yaml", 9))
                abort(); /* a message that does not name the file */
    }
    scn_errors_free(&e);
    free(text);
    return 0;
}
