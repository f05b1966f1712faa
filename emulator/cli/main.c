/* photon-sim: an emulated Particle Photon running the real firmware. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "util.h"
#include "images.h"
#include "statefile.h"

#ifndef PHOTON_SIM_VERSION
#define PHOTON_SIM_VERSION "0.1.0"
#endif

static const cli_command commands[] = {
    {"run", "boot the emulated Photon (the default command)", cmd_run},
    {"inspect", "show module headers of images, or of a device's flash", cmd_inspect},
    {"image", "make test images: a module with its header changed, CRC made right", cmd_image},
    {"scenario", "run scenario files (YAML): drive the device, check what it does", cmd_scenario},
    {"usb", "run a host USB tool (dfu-util, the Particle CLI) against a running simulator",
     cmd_usb},
    {"cloud", "a local Particle cloud: device server, REST API, its own small CLI", cmd_cloud},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: photon-sim [COMMAND] [OPTIONS]\n"
            "\n"
            "An emulated Particle Photon (STM32F205 + BCM43362) that runs the real,\n"
            "unmodified bootloader and Device OS images.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "  help       this text; `photon-sim COMMAND --help` for a command\n"
            "  version    print the version and the Unicorn engine in use\n"
            "\n"
            "With no command, `run` boots the default device from %s\n"
            "(bootloader, system parts 2.2.0 and Tinker on first use).\n"
            "Images: %s\n",
            state_default_path(), images_dir());
}

static int print_version(void)
{
    char engine[512];
    engine_describe(engine, sizeof(engine));
    printf("photon-sim %s\nCPU engine: %s\n", PHOTON_SIM_VERSION, engine);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    if (argc > 0 && !strcmp(base ? base + 1 : argv[0], "udevadm"))
        return cmd_udevadm(argc, argv);
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            usage(stdout);
            return EXIT_OK;
        }
        if (argc >= 2 && !strcmp(argv[1], "--version"))
            return print_version();
        return cmd_run(argc, argv);
    }
    if (!strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "version"))
        return print_version();
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "photon-sim: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
