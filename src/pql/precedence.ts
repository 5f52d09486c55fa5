/** Binding powers shared by the parser and the formatter, loosest first (ref §12 item 11). */
export const BP_OR = 10;
export const BP_AND = 20;
export const BP_NOT = 30;
/** Comparisons, like, in, notIn and occurs: non-associative. */
export const BP_CMP = 40;
export const BP_ADD = 50;
export const BP_MUL = 60;
export const BP_NEG = 70;
/** Paths, calls, filters and literals. */
export const BP_POSTFIX = 80;
