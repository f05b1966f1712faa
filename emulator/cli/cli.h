/* The photon-sim command line: one function per subcommand. Exit codes:
 * 0 success, 1 the expected thing did not happen (pattern not seen, check
 * failed), 2 bad usage or bad input, 3 the emulator itself failed. */
#ifndef PHOTON_CLI_H
#define PHOTON_CLI_H

enum { EXIT_OK = 0, EXIT_NOT_SEEN = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
} cli_command;

int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_scenario(int argc, char **argv);
int cmd_usb(int argc, char **argv);
int cmd_cloud(int argc, char **argv);
/* photon-sim started as `udevadm` (photon-sim usb puts it on PATH) */
int cmd_udevadm(int argc, char **argv);

#endif
