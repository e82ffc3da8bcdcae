// SPDX-License-Identifier: GPL-2.0-only
#include <linux/mm.h>
enum page_entry_size xpmem_probe = PE_SIZE_PMD;
