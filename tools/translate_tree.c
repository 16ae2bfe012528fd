// SPDX-License-Identifier: GPL-2.0
/*
 * `gmap translate --tree`: what the tables reachable from an ASCE map. The walk
 * follows the rules of dat_translate() (table-offset and table-length ranges,
 * invalid bits, table types, EDAT large frames, storage limits), so that every
 * range it reports translates and nothing else does.
 *
 * A dump's tables may point anywhere, also at each other: the levels strictly
 * descend, so there is no endless loop, but entries that all point at one table
 * would multiply the work. The walk therefore examines at most a given number of
 * entries and says so when it stops early; tables reached from several entries
 * are walked for each (they map each virtual range) but counted once.
 */
#include <stdlib.h>
#include <string.h>

#include "translate.h"

/* Ranges kept for printing; beyond this they are counted only. */
#define MAX_KEPT_RANGES (1UL << 20)

struct range {
	unsigned long first, last;
};

struct tree {
	const struct dat_config *cfg;
	struct image *img;
	unsigned long budget, max_entries;
	bool stopped;
	bool oom;
	unsigned long tables[DAT_LEVEL_ASCE], valid[DAT_LEVEL_ASCE];
	unsigned long large[DAT_LEVEL_ASCE], bad[DAT_LEVEL_ASCE];
	unsigned long pages, seg_frames, reg_frames, mapped;
	/* Tables seen: open addressing on origin | (level + 1), 0 = free. */
	unsigned long *seen;
	unsigned long seen_cap, seen_used;
	/* Mapped ranges, coalesced as they come (the walk runs in address order). */
	struct range cur;
	bool have_cur;
	struct range *kept;
	unsigned long nkept, kept_cap, nranges;
	/* --reverse: the absolute addresses looked for, and the virtual ones found. */
	const unsigned long *targets;
	unsigned int ntargets;
	struct translate_hits *hits;
};

static unsigned long hash(unsigned long key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9UL;
	return key ^ (key >> 32);
}

static bool seen_insert_slot(unsigned long *set, unsigned long cap, unsigned long key)
{
	unsigned long i = hash(key) & (cap - 1);

	while (set[i]) {
		if (set[i] == key)
			return false;
		i = (i + 1) & (cap - 1);
	}
	set[i] = key;
	return true;
}

static bool seen_grow(struct tree *t)
{
	unsigned long cap = t->seen_cap ? t->seen_cap * 2 : 1024;
	unsigned long *set = calloc(cap, sizeof(*set));

	if (!set) {
		t->oom = true;
		return false;
	}
	for (unsigned long i = 0; i < t->seen_cap; i++)
		if (t->seen[i])
			seen_insert_slot(set, cap, t->seen[i]);
	free(t->seen);
	t->seen = set;
	t->seen_cap = cap;
	return true;
}

/* Count a table the first time it is reached. */
static void table_seen(struct tree *t, unsigned long origin, int level)
{
	if (2 * (t->seen_used + 1) > t->seen_cap && !seen_grow(t))
		return;
	if (seen_insert_slot(t->seen, t->seen_cap, origin | (unsigned long)(level + 1))) {
		t->seen_used++;
		t->tables[level]++;
	}
}

static void keep_range(struct tree *t, struct range r)
{
	t->nranges++;
	if (t->nkept == MAX_KEPT_RANGES)
		return;
	if (t->nkept == t->kept_cap) {
		unsigned long cap = t->kept_cap ? t->kept_cap * 2 : 256;
		struct range *k = realloc(t->kept, cap * sizeof(*k));

		if (!k) {
			t->oom = true;
			return;
		}
		t->kept = k;
		t->kept_cap = cap;
	}
	t->kept[t->nkept++] = r;
}

static void add_range(struct tree *t, unsigned long va, unsigned long len)
{
	unsigned long last = va + (len - 1);

	t->mapped += len;
	if (t->have_cur && t->cur.last != ~0UL && t->cur.last + 1 == va) {
		t->cur.last = last;
		return;
	}
	if (t->have_cur)
		keep_range(t, t->cur);
	t->cur = (struct range){ va, last };
	t->have_cur = true;
}

/* Read an entry as the walker would: within the storage size and held by the image. */
static int tree_read(struct tree *t, unsigned long ea, unsigned long *e)
{
	unsigned long size = t->cfg->storage_size;

	if (size && (size < 8 || ea > size - 8))
		return -1;
	return image_read_entry(t->img, ea, e);
}

/* Spend one unit of the budget; false once it is gone. */
static bool take(struct tree *t)
{
	if (!t->budget) {
		t->stopped = true;
		return false;
	}
	t->budget--;
	return true;
}

static void add_hit(struct tree *t, struct translate_hits *h, unsigned long va)
{
	if (h->n == h->cap) {
		unsigned long cap = h->cap ? h->cap * 2 : 16;
		unsigned long *v = realloc(h->va, cap * sizeof(*v));

		if (!v) {
			t->oom = true;
			return;
		}
		h->va = v;
		h->cap = cap;
	}
	h->va[h->n++] = va;
}

/* The virtual addresses of the targets inside the frame [abs, abs + size) mapped at @va. */
static void match_targets(struct tree *t, unsigned long va, unsigned long abs, unsigned long size)
{
	for (unsigned int i = 0; i < t->ntargets; i++)
		if (t->targets[i] - abs < size)
			add_hit(t, &t->hits[i], va + (t->targets[i] - abs));
}

/* A leaf frame of @size bytes at absolute @abs: the part inside storage is mapped. */
static void leaf(struct tree *t, int level, unsigned long va, unsigned long abs, unsigned long size)
{
	unsigned long storage = t->cfg->storage_size;

	if (storage && abs >= storage) {
		t->bad[level]++;
		return;
	}
	if (storage && storage - abs < size)
		size = storage - abs;
	t->valid[level]++;
	if (level == DAT_LEVEL_PTE) {
		t->pages++;
	} else {
		t->large[level]++;
		if (level == DAT_LEVEL_SEGMENT)
			t->seg_frames++;
		else
			t->reg_frames++;
	}
	add_range(t, va, size);
	if (t->ntargets)
		match_targets(t, va, abs, size);
}

static bool pte_usable(const struct tree *t, unsigned long e)
{
	const struct dat_config *c = t->cfg;

	if (e & _PAGE_LARGE)
		return false;
	return !(e & _PAGE_NOEXEC) || c->edat || c->iep || c->iep_installed;
}

/* Progress through one table. */
struct table_walk {
	unsigned long origin;
	int level;
	bool seen;  /* an entry was read: the table exists */
	bool holed; /* an entry could not be read */
};

/* True if no entry of @first..@last of the table can lie in storage (the common miss). */
static bool table_beyond_storage(const struct tree *t, unsigned long origin, unsigned long first,
				 unsigned long last)
{
	unsigned long size = t->cfg->storage_size;

	/* Entry addresses wrap at 2^64, as the walker's do; then storage may follow. */
	if (!size || origin > ~0UL - last * 8)
		return false;
	return size < 8 || origin + first * 8 > size - 8;
}

/*
 * Fetch entry @i. An entry that cannot be read is skipped, not the end of the
 * table: in an ELF core a table may begin in a hole and continue in a segment.
 * Returns 1 for an entry in *@e, 0 to skip, -1 when the budget is spent.
 */
static int table_entry(struct tree *t, struct table_walk *w, unsigned long i, unsigned long *e)
{
	if (!take(t))
		return -1;
	if (tree_read(t, w->origin + i * 8, e)) {
		w->holed = true;
		return 0;
	}
	if (!w->seen) {
		w->seen = true;
		table_seen(t, w->origin, w->level);
	}
	return 1;
}

/* After the loop: -1 if nothing could be read (the entry pointing here is bad). */
static int table_done(struct tree *t, const struct table_walk *w)
{
	if (!w->seen)
		return t->stopped ? 0 : -1;
	if (w->holed)
		t->bad[w->level]++;
	return 0;
}

static int walk_pt(struct tree *t, unsigned long origin, unsigned long va)
{
	struct table_walk w = { .origin = origin, .level = DAT_LEVEL_PTE };
	unsigned long e;
	int rc;

	if (table_beyond_storage(t, origin, 0, _PAGE_ENTRIES - 1))
		return -1;
	for (unsigned long i = 0; i < _PAGE_ENTRIES; i++) {
		rc = table_entry(t, &w, i, &e);
		if (rc < 0)
			break;
		if (!rc || (e & _PAGE_INVALID))
			continue;
		if (!pte_usable(t, e)) {
			t->bad[DAT_LEVEL_PTE]++;
			continue;
		}
		leaf(t, DAT_LEVEL_PTE, va + (i << PAGE_SHIFT),
		     dat_real_to_abs(e & PAGE_MASK, t->cfg->prefix), PAGE_SIZE);
	}
	return table_done(t, &w);
}

static int walk_crst(struct tree *t, int level, unsigned long origin, unsigned long first,
		     unsigned long last, unsigned long va);

static void walk_ste(struct tree *t, unsigned long e, unsigned long va)
{
	const struct dat_config *c = t->cfg;

	if (e & _SEGMENT_ENTRY_INVALID)
		return;
	if ((e & _SEGMENT_ENTRY_TYPE_MASK) ||
	    ((e & _SEGMENT_ENTRY_COMM) && (c->asce & _ASCE_PRIVATE_SPACE))) {
		t->bad[DAT_LEVEL_SEGMENT]++;
		return;
	}
	if (c->edat >= 1 && (e & _SEGMENT_ENTRY_LARGE)) {
		leaf(t, DAT_LEVEL_SEGMENT, va, e & _SEGMENT_ENTRY_ORIGIN_LARGE, _SEGMENT_SIZE);
		return;
	}
	if (walk_pt(t, e & _SEGMENT_ENTRY_ORIGIN, va))
		t->bad[DAT_LEVEL_SEGMENT]++;
	else
		t->valid[DAT_LEVEL_SEGMENT]++;
}

static void walk_rte(struct tree *t, int level, unsigned long e, unsigned long va)
{
	const struct dat_config *c = t->cfg;
	unsigned long tf, tl;

	if (e & _REGION_ENTRY_INVALID)
		return;
	if (((e & _REGION_ENTRY_TYPE_MASK) >> 2) != (unsigned long)(level - 1) ||
	    (level == DAT_LEVEL_REGION3 && c->edat >= 2 && (e & _REGION3_ENTRY_COMM) &&
	     (c->asce & _ASCE_PRIVATE_SPACE))) {
		t->bad[level]++;
		return;
	}
	if (level == DAT_LEVEL_REGION3 && c->edat >= 2 && (e & _REGION3_ENTRY_LARGE)) {
		leaf(t, level, va, e & _REGION3_ENTRY_ORIGIN_LARGE, _REGION3_SIZE);
		return;
	}
	tf = (e & _REGION_ENTRY_OFFSET) >> 6;
	tl = e & _REGION_ENTRY_LENGTH;
	if (tf > tl) {
		/* Valid, but no index of the next level is in range. */
		t->valid[level]++;
		return;
	}
	if (walk_crst(t, level - 1, e & _REGION_ENTRY_ORIGIN, tf * 512, tl * 512 + 511, va))
		t->bad[level]++;
	else
		t->valid[level]++;
}

/* Entries @first..@last of a region or segment table mapping from @va up. */
static int walk_crst(struct tree *t, int level, unsigned long origin, unsigned long first,
		     unsigned long last, unsigned long va)
{
	struct table_walk w = { .origin = origin, .level = level };
	unsigned int shift = _SEGMENT_SHIFT + 11 * (unsigned int)(level - 1);
	unsigned long e;
	int rc;

	if (table_beyond_storage(t, origin, first, last))
		return -1;
	for (unsigned long i = first; i <= last && !t->oom; i++) {
		rc = table_entry(t, &w, i, &e);
		if (rc < 0)
			break;
		if (!rc)
			continue;
		if (level == DAT_LEVEL_SEGMENT)
			walk_ste(t, e, va + (i << shift));
		else
			walk_rte(t, level, e, va + (i << shift));
	}
	return table_done(t, &w);
}

static void print_summary(FILE *out, const struct tree *t, int top)
{
	fprintf(out, "%-13s %10s %10s %10s %10s\n", "level", "tables", "valid", "large", "bad");
	for (int l = top; l >= DAT_LEVEL_PTE; l--) {
		char large[24] = "-";

		if (l == DAT_LEVEL_SEGMENT || l == DAT_LEVEL_REGION3)
			snprintf(large, sizeof(large), "%lu", t->large[l]);
		fprintf(out, "%-13s %10lu %10lu %10s %10lu\n", dat_level_name(l), t->tables[l],
			t->valid[l], large, t->bad[l]);
	}
	fprintf(out,
		"mapped 0x%lx bytes: %lu x 4 KiB pages, %lu x 1 MiB frames, %lu x 2 GiB frames\n",
		t->mapped, t->pages, t->seg_frames, t->reg_frames);
	if (t->stopped)
		fprintf(out,
			"walk stopped after %lu entries (--max-entries): the counts cover part "
			"of the tables\n",
			t->max_entries);
	fprintf(out, "ranges %lu:\n", t->nranges);
	for (unsigned long i = 0; i < t->nkept; i++)
		fprintf(out, "  0x%lx-0x%lx\n", t->kept[i].first, t->kept[i].last);
	if (t->nranges > t->nkept)
		fprintf(out, "  ... %lu more not listed\n", t->nranges - t->nkept);
}

static void print_summary_json(FILE *out, const struct tree *t, int top)
{
	fputs(",\"levels\":[", out);
	for (int l = top; l >= DAT_LEVEL_PTE; l--) {
		fprintf(out, "{\"level\":\"%s\",\"tables\":%lu,\"valid\":%lu,", dat_level_name(l),
			t->tables[l], t->valid[l]);
		if (l == DAT_LEVEL_SEGMENT || l == DAT_LEVEL_REGION3)
			fprintf(out, "\"large\":%lu,", t->large[l]);
		fprintf(out, "\"bad\":%lu}%s", t->bad[l], l == DAT_LEVEL_PTE ? "]" : ",");
	}
	fprintf(out,
		",\"mapped\":\"0x%lx\",\"pages\":%lu,\"segment_frames\":%lu,"
		"\"region_frames\":%lu,\"stopped\":%s,\"ranges_total\":%lu,\"ranges\":[",
		t->mapped, t->pages, t->seg_frames, t->reg_frames, t->stopped ? "true" : "false",
		t->nranges);
	for (unsigned long i = 0; i < t->nkept; i++)
		fprintf(out, "%s[\"0x%lx\",\"0x%lx\"]", i ? "," : "", t->kept[i].first,
			t->kept[i].last);
	fputs("]}\n", out);
}

/* The first line (or the opening of the JSON object): the ASCE and the configuration. */
static void print_asce(FILE *out, const struct dat_config *cfg, int top, bool json)
{
	static const char *const types[] = { "segment", "region-third", "region-second",
					     "region-first" };
	unsigned long asce = cfg->asce;

	if (json)
		fprintf(out,
			"{\"asce\":\"0x%lx\",\"type\":\"%s\",\"origin\":\"0x%lx\",\"units\":%lu,"
			"\"edat\":%u,\"storage_size\":\"0x%lx\"",
			asce, types[top - 1], asce & _ASCE_ORIGIN, (asce & _ASCE_TABLE_LENGTH) + 1,
			cfg->edat, cfg->storage_size);
	else
		fprintf(out,
			"asce 0x%lx: %s table at 0x%lx, %lu units; edat %u; storage size 0x%lx\n",
			asce, types[top - 1], asce & _ASCE_ORIGIN, (asce & _ASCE_TABLE_LENGTH) + 1,
			cfg->edat, cfg->storage_size);
}

static void print_missing_top(FILE *out, int top, bool json)
{
	static const char *const types[] = { "segment", "region-third", "region-second",
					     "region-first" };

	if (json)
		fputs(",\"top_table_missing\":true", out);
	else
		fprintf(out, "the %s table is not in storage\n", types[top - 1]);
}

int translate_tree(FILE *out, const struct dat_config *cfg, struct image *img,
		   unsigned long max_entries, bool json)
{
	struct tree t = {
		.cfg = cfg, .img = img, .budget = max_entries, .max_entries = max_entries
	};
	unsigned long asce = cfg->asce, tl = asce & _ASCE_TABLE_LENGTH;
	int top = (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1, rc = 0;

	if ((asce & _ASCE_REAL_SPACE) && json) {
		fprintf(out, "{\"asce\":\"0x%lx\",\"type\":\"real-space\"}\n", asce);
		return 0;
	}
	if (asce & _ASCE_REAL_SPACE) {
		fprintf(out,
			"asce 0x%lx is a real-space designation: every address is its own "
			"real address, no tables are used\n",
			asce);
		return 0;
	}
	print_asce(out, cfg, top, json);
	if (walk_crst(&t, top, asce & _ASCE_ORIGIN, 0, tl * 512 + 511, 0))
		print_missing_top(out, top, json);
	if (t.have_cur)
		keep_range(&t, t.cur);
	if (t.oom) {
		fprintf(stderr, "gmap translate: out of memory while walking the tables\n");
		rc = -1;
	} else if (json) {
		print_summary_json(out, &t, top);
	} else {
		print_summary(out, &t, top);
	}
	free(t.seen);
	free(t.kept);
	return rc;
}

/* A real-space designation maps every address to itself: the real address of @abs. */
static void reverse_real_space(struct tree *t)
{
	unsigned long size = t->cfg->storage_size;

	for (unsigned int i = 0; i < t->ntargets; i++)
		if (!size || t->targets[i] < size)
			add_hit(t, &t->hits[i], dat_real_to_abs(t->targets[i], t->cfg->prefix));
}

int translate_reverse(const struct dat_config *cfg, struct image *img, unsigned long max_entries,
		      const unsigned long *targets, unsigned int n, struct translate_hits *hits,
		      bool *stopped)
{
	struct tree t = { .cfg = cfg,
			  .img = img,
			  .budget = max_entries,
			  .max_entries = max_entries,
			  .targets = targets,
			  .ntargets = n,
			  .hits = hits };
	unsigned long asce = cfg->asce, tl = asce & _ASCE_TABLE_LENGTH;
	int top = (int)((asce & _ASCE_TYPE_MASK) >> 2) + 1;

	if (asce & _ASCE_REAL_SPACE)
		reverse_real_space(&t);
	else
		walk_crst(&t, top, asce & _ASCE_ORIGIN, 0, tl * 512 + 511, 0);
	*stopped = t.stopped;
	free(t.seen);
	free(t.kept);
	return t.oom ? -1 : 0;
}
