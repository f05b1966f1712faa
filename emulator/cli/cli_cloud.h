/* photon-sim cloud: the server side (cli_cloud.c) and the client commands
 * on its REST API (cli_cloud_client.c). */
#ifndef PHOTON_CLI_CLOUD_H
#define PHOTON_CLI_CLOUD_H

#include <stddef.h>

/* The default files: $XDG_STATE_HOME/photon-sim/ or
 * ~/.local/state/photon-sim/ + name. */
const char *cloud_default_file(const char *name, char *buf, size_t n);
/* list, info, call, get, publish, subscribe, flash, signal, rename;
 * argv[0] is the command. Returns the exit status, or -1 if `cmd` is not a
 * client command. */
int cloud_client_main(int argc, char **argv);

#endif
