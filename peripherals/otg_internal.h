/* The OTG_HS model's insides, shared by otg.c (registers, FIFOs,
 * interrupts) and otg_bus.c (the USB bus side): the register list and
 * fields (RM0033 section 28.16). */
#ifndef PHOTON_OTG_INTERNAL_H
#define PHOTON_OTG_INTERNAL_H

#include "otg.h"

#define OTG_REGS(REG, REGV, REGA)                                  \
    REG(GOTGCTL, 0x000, gotgctl)                                    \
    REG(GOTGINT, 0x004, gotgint)                                    \
    REG(GAHBCFG, 0x008, gahbcfg)                                    \
    REG(GUSBCFG, 0x00C, gusbcfg)                                    \
    REG(GRSTCTL, 0x010, grstctl)                                    \
    REG(GINTSTS, 0x014, gintsts)                                    \
    REG(GINTMSK, 0x018, gintmsk)                                    \
    REGV(GRXSTSR, 0x01C)                                            \
    REGV(GRXSTSP, 0x020)                                            \
    REG(GRXFSIZ, 0x024, grxfsiz)                                    \
    REG(DIEPTXF0, 0x028, dieptxf0) /* GNPTXFSIZ in host mode */    \
    REG(GCCFG, 0x038, gccfg)                                        \
    REG(CID, 0x03C, cid)                                            \
    REG(HPTXFSIZ, 0x100, hptxfsiz)                                  \
    REG(DIEPTXF1, 0x104, dieptxf[1])                                \
    REG(DIEPTXF2, 0x108, dieptxf[2])                                \
    REG(DIEPTXF3, 0x10C, dieptxf[3])                                \
    REG(DIEPTXF4, 0x110, dieptxf[4])                                \
    REG(DIEPTXF5, 0x114, dieptxf[5])                                \
    REG(DCFG, 0x800, dcfg)                                          \
    REG(DCTL, 0x804, dctl)                                          \
    REG(DSTS, 0x808, dsts)                                          \
    REG(DIEPMSK, 0x810, diepmsk)                                    \
    REG(DOEPMSK, 0x814, doepmsk)                                    \
    REGV(DAINT, 0x818)                                              \
    REG(DAINTMSK, 0x81C, daintmsk)                                  \
    REG(DVBUSDIS, 0x828, dvbusdis)                                  \
    REG(DVBUSPULSE, 0x82C, dvbuspulse)                              \
    REG(DTHRCTL, 0x830, dthrctl)                                    \
    REG(DIEPEMPMSK, 0x834, diepempmsk)                              \
    REGV(DEACHINT, 0x838)                                           \
    REG(DEACHINTMSK, 0x83C, deachintmsk)                            \
    REG(DIEPEACHMSK1, 0x844, diepeachmsk1)                          \
    REG(DOEPEACHMSK1, 0x884, doepeachmsk1)                          \
    REGA(DIEPCTL, "DIEPCTL%u", 0x900, 0x20, OTG_NEP, 0, in, .ctl)   \
    REGA(DIEPINT, "DIEPINT%u", 0x908, 0x20, OTG_NEP, 0, in, .intr)  \
    REGA(DIEPTSIZ, "DIEPTSIZ%u", 0x910, 0x20, OTG_NEP, 0, in, .tsiz) \
    REGA(DOEPCTL, "DOEPCTL%u", 0xB00, 0x20, OTG_NEP, 0, out, .ctl)  \
    REGA(DOEPINT, "DOEPINT%u", 0xB08, 0x20, OTG_NEP, 0, out, .intr) \
    REGA(DOEPTSIZ, "DOEPTSIZ%u", 0xB10, 0x20, OTG_NEP, 0, out, .tsiz) \
    REG(PCGCCTL, 0xE00, pcgcctl)
REGS_OFFSETS(OTG_REGS)
REG32(GNPTXSTS, 0x02C) /* host mode: reads 0 */
    FIELD(GOTGCTL, CIDSTS, 16, 1)
    FIELD(GOTGCTL, BSVLD, 19, 1)
    FIELD(GAHBCFG, GINT, 0, 1)
    FIELD(GAHBCFG, TXFELVL, 7, 1)
    FIELD(GUSBCFG, PHYSEL, 6, 1)
    FIELD(GUSBCFG, FHMOD, 29, 1)
    FIELD(GUSBCFG, FDMOD, 30, 1)
    FIELD(GRSTCTL, CSRST, 0, 1)
    FIELD(GRSTCTL, HSRST, 1, 1)
    FIELD(GRSTCTL, FCRST, 2, 1)
    FIELD(GRSTCTL, RXFFLSH, 4, 1)
    FIELD(GRSTCTL, TXFFLSH, 5, 1)
    FIELD(GRSTCTL, TXFNUM, 6, 5)
    FIELD(GRSTCTL, DMAREQ, 30, 1)
    FIELD(GRSTCTL, AHBIDL, 31, 1)
    FIELD(GINTSTS, CMOD, 0, 1)
    FIELD(GINTSTS, MMIS, 1, 1)
    FIELD(GINTSTS, OTGINT, 2, 1)
    FIELD(GINTSTS, SOF, 3, 1)
    FIELD(GINTSTS, RXFLVL, 4, 1)
    FIELD(GINTSTS, NPTXFE, 5, 1)
    FIELD(GINTSTS, GINAKEFF, 6, 1)
    FIELD(GINTSTS, GONAKEFF, 7, 1)
    FIELD(GINTSTS, ESUSP, 10, 1)
    FIELD(GINTSTS, USBSUSP, 11, 1)
    FIELD(GINTSTS, USBRST, 12, 1)
    FIELD(GINTSTS, ENUMDNE, 13, 1)
    FIELD(GINTSTS, IEPINT, 18, 1)
    FIELD(GINTSTS, OEPINT, 19, 1)
    FIELD(GINTSTS, HPRTINT, 24, 1)
    FIELD(GINTSTS, HCINT, 25, 1)
    FIELD(GINTSTS, PTXFE, 26, 1)
    FIELD(GINTSTS, WKUINT, 31, 1)
    FIELD(GRXSTS, EPNUM, 0, 4)
    FIELD(GRXSTS, BCNT, 4, 11)
    FIELD(GRXSTS, DPID, 15, 2)
    FIELD(GRXSTS, PKTSTS, 17, 4)
    FIELD(GRXSTS, FRMNUM, 21, 4)
    FIELD(TXF, SA, 0, 16)
    FIELD(TXF, DEPTH, 16, 16)
    FIELD(GCCFG, PWRDWN, 16, 1)
    FIELD(GCCFG, VBUSASEN, 18, 1)
    FIELD(GCCFG, VBUSBSEN, 19, 1)
    FIELD(GCCFG, SOFOUTEN, 20, 1)
    FIELD(GCCFG, NOVBUSSENS, 21, 1)
    FIELD(DCFG, DSPD, 0, 2)
    FIELD(DCFG, DAD, 4, 7)
    FIELD(DCTL, RWUSIG, 0, 1)
    FIELD(DCTL, SDIS, 1, 1)
    FIELD(DCTL, GINSTS, 2, 1)
    FIELD(DCTL, GONSTS, 3, 1)
    FIELD(DCTL, SGINAK, 7, 1)
    FIELD(DCTL, CGINAK, 8, 1)
    FIELD(DCTL, SGONAK, 9, 1)
    FIELD(DCTL, CGONAK, 10, 1)
    FIELD(DCTL, POPRGDNE, 11, 1)
    FIELD(DSTS, SUSPSTS, 0, 1)
    FIELD(DSTS, ENUMSPD, 1, 2)
    FIELD(DSTS, FNSOF, 8, 14)
    FIELD(EPCTL, MPSIZ, 0, 11)
    FIELD(EPCTL, USBAEP, 15, 1)
    FIELD(EPCTL, DPID, 16, 1)
    FIELD(EPCTL, NAKSTS, 17, 1)
    FIELD(EPCTL, EPTYP, 18, 2)
    FIELD(EPCTL, SNPM, 20, 1)
    FIELD(EPCTL, STALL, 21, 1)
    FIELD(EPCTL, TXFNUM, 22, 4)
    FIELD(EPCTL, CNAK, 26, 1)
    FIELD(EPCTL, SNAK, 27, 1)
    FIELD(EPCTL, SD0PID, 28, 1)
    FIELD(EPCTL, SD1PID, 29, 1)
    FIELD(EPCTL, EPDIS, 30, 1)
    FIELD(EPCTL, EPENA, 31, 1)
    FIELD(EPINT, XFRC, 0, 1)
    FIELD(EPINT, EPDISD, 1, 1)
    FIELD(EPINT, STUP, 3, 1)
    FIELD(EPINT, TXFE, 7, 1)
    FIELD(TSIZ, XFRSIZ, 0, 19)
    FIELD(TSIZ, PKTCNT, 19, 10)
    FIELD(TSIZ0, XFRSIZ, 0, 7)
    FIELD(TSIZ0, INPKTCNT, 19, 2)
    FIELD(TSIZ0, OUTPKTCNT, 19, 1)
    FIELD(TSIZ0, STUPCNT, 29, 2)

enum { EP_CTL = 0x00, EP_INT = 0x08, EP_TSIZ = 0x10, EP_DMA = 0x14, EP_TXFSTS = 0x18 };
enum { PKT_GOUTNAK = 1, PKT_OUT = 2, PKT_OUT_DONE = 3, PKT_SETUP_DONE = 4, PKT_SETUP = 6 };

/* rc_w1 bits of GINTSTS */
#define GINTSTS_W1C 0xF070FC0Au
/* bits GINTSTS keeps as state; the rest is computed on read */
#define GINTSTS_RO_MASK (R_GINTSTS_CMOD_MASK | R_GINTSTS_OTGINT_MASK | R_GINTSTS_RXFLVL_MASK | \
                         R_GINTSTS_NPTXFE_MASK | R_GINTSTS_GINAKEFF_MASK |                  \
                         R_GINTSTS_GONAKEFF_MASK | R_GINTSTS_IEPINT_MASK |                  \
                         R_GINTSTS_OEPINT_MASK | R_GINTSTS_HPRTINT_MASK |                   \
                         R_GINTSTS_HCINT_MASK | R_GINTSTS_PTXFE_MASK)
#define DIEPINT_W1C 0x2B5Bu /* XFRC EPDISD TOC ITTXFE INEPNE TXFIFOUDRN BNA PKTDRPSTS NAK */
#define DOEPINT_W1C 0x407Bu /* XFRC EPDISD STUP OTEPDIS B2BSTUP NYET */

void otg_txf_flush(stm32_otg *o, int n);
unsigned otg_rx_capacity(const stm32_otg *o);
bool otg_rx_push(stm32_otg *o, int ep, int pktsts, const uint8_t *data, unsigned len, bool force);
void otg_update_irq(stm32_otg *o);
unsigned otg_ep_mps(const stm32_otg *o, int n);
unsigned otg_ep_out_mps(const stm32_otg *o, int n);
uint32_t otg_tsiz_xfrsize(int n, uint32_t t);
uint32_t otg_tsiz_pktcnt(int n, bool in, uint32_t t);
uint32_t otg_tsiz_set(int n, bool in, uint32_t t, uint32_t xfr, uint32_t pkt);
extern const usb_device_ops otg_port_ops;

#endif
