import { SvelteSet } from 'svelte/reactivity';

import { MAX_SELECTION, type PhotoSummary, type SearchQuery } from '../../../electron/api.js';
import { t } from '../i18n/index.svelte.js';
import { call } from '../lib/api.js';
import { notices } from './notices.svelte.js';

/** Photos fetched per request; keyset paging keeps each one as cheap as the first. */
const PAGE_SIZE = 300;
/** Largest page the API serves: used to catch up when the scrollbar jumps far ahead. */
const MAX_PAGE_SIZE = 1000;

export type LabelSource = 'any' | 'model' | 'manual';
export type SortOrder = 'score' | 'date';

/** The search, its results (paged in as the grid scrolls) and the selection. */
export class Gallery {
  query = $state('');
  folder = $state<string | null>(null);
  minScore = $state(0);
  source = $state<LabelSource>('any');
  sort = $state<SortOrder>('score');

  items = $state.raw<PhotoSummary[]>([]);
  /** Photos matching the search; an estimate while `totalKnown` is false. */
  total = $state(0);
  /** False when the back end did not count the results: `total` then grows as pages load. */
  totalKnown = $state(true);
  status = $state<'idle' | 'loading' | 'ready' | 'error'>('idle');

  /** Smallest thumbnail side in CSS pixels; the grid widens cells to fill each row. */
  thumbnailSize = $state(168);

  /** Index of the keyboard focus in `items`, -1 for none. */
  focus = $state(-1);
  readonly selected = new SvelteSet<number>();
  /** True while "select all" fetches the ids of every match. */
  selecting = $state(false);
  #anchor = -1;

  #cursor: string | null = null;
  #generation = 0;
  #loading: Promise<void> | null = null;

  /** The query and filters as the API takes them. */
  get search(): SearchQuery {
    return {
      query: this.query.trim(),
      sort: this.sort,
      filters: {
        ...(this.folder ? { folder: this.folder } : {}),
        ...(this.minScore > 0 ? { minScore: this.minScore } : {}),
        ...(this.source !== 'any' ? { source: this.source } : {}),
      },
    };
  }

  get hasMore(): boolean {
    return this.#cursor !== null;
  }

  /**
   * Runs the search again from the first page. `keepSelection` is for refreshes after edits,
   * where the user expects to stay where they were.
   */
  async reload(keepSelection = false): Promise<void> {
    const generation = ++this.#generation;
    const keep = keepSelection
      ? Math.min(MAX_PAGE_SIZE, Math.max(this.items.length, PAGE_SIZE))
      : PAGE_SIZE;
    this.status = 'loading';
    if (!keepSelection) {
      this.selected.clear();
      this.focus = -1;
      this.#anchor = -1;
    }
    const page = await call('photos.search', { ...this.search, cursor: null, limit: keep });
    if (generation !== this.#generation) return;
    if (!page) {
      this.status = 'error';
      return;
    }
    this.items = page.items;
    this.#cursor = page.nextCursor;
    this.#setTotal(page.total);
    this.#loading = null;
    this.focus = Math.min(this.focus, this.items.length - 1);
    this.status = 'ready';
  }

  /** Loads pages until `index` is loaded or the results end. */
  async loadThrough(index: number): Promise<void> {
    while (this.items.length <= index && this.#cursor !== null) {
      const before = this.#generation;
      const behind = index + 1 - this.items.length;
      await this.#loadNext(Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, behind)));
      if (before !== this.#generation) return;
    }
  }

  #loadNext(limit: number): Promise<void> {
    this.#loading ??= (async () => {
      const generation = this.#generation;
      const page = await call('photos.search', {
        ...this.search,
        cursor: this.#cursor,
        limit,
      });
      if (generation !== this.#generation) return;
      this.#loading = null;
      if (!page) {
        this.#cursor = null;
        return;
      }
      this.items = this.items.concat(page.items);
      this.#cursor = page.nextCursor;
      this.#setTotal(page.total);
    })();
    return this.#loading;
  }

  #setTotal(total: number | null): void {
    this.totalKnown = total !== null;
    // Without a count, reserve one more page of cells so scrolling reaches the next page.
    this.total = total ?? this.items.length + (this.#cursor !== null ? PAGE_SIZE : 0);
  }

  // --- selection -----------------------------------------------------------------------------

  /** Applies a click on a cell, with the usual modifier keys. */
  click(index: number, modifiers: { shift: boolean; toggle: boolean }): void {
    const item = this.items[index];
    if (!item) return;
    if (modifiers.shift && this.#anchor >= 0) {
      this.#selectRange(this.#anchor, index, modifiers.toggle);
    } else if (modifiers.toggle) {
      if (this.selected.has(item.id)) this.selected.delete(item.id);
      else this.selected.add(item.id);
      this.#anchor = index;
    } else {
      this.selected.clear();
      this.selected.add(item.id);
      this.#anchor = index;
    }
    this.focus = index;
  }

  /** Moves the focus by `delta` cells; with shift, extends the selection from the anchor. */
  async move(delta: number, extend: boolean): Promise<void> {
    if (this.items.length === 0) return;
    const target = Math.max(0, Math.min(this.total - 1, this.focus + delta));
    await this.loadThrough(target);
    const index = Math.min(target, this.items.length - 1);
    if (extend) {
      if (this.#anchor < 0) this.#anchor = Math.max(0, this.focus);
      this.#selectRange(this.#anchor, index, false);
      this.focus = index;
    } else {
      this.click(index, { shift: false, toggle: false });
    }
  }

  /**
   * Selects every photo of the current search, loaded or not, up to MAX_SELECTION (the most
   * one labelling request takes). Tells the user when more photos match than that.
   */
  async selectAll(): Promise<void> {
    const generation = this.#generation;
    this.selecting = true;
    const result = await call('photos.ids', this.search);
    this.selecting = false;
    // A new search started meanwhile: its results are not what the user asked to select.
    if (!result || generation !== this.#generation) return;
    for (const id of result.ids) this.selected.add(id);
    if (result.truncated) notices.info(t('grid.selectTruncated', { count: MAX_SELECTION }));
  }

  clearSelection(): void {
    this.selected.clear();
  }

  #selectRange(from: number, to: number, add: boolean): void {
    if (!add) this.selected.clear();
    const [start, end] = from <= to ? [from, to] : [to, from];
    for (let i = start; i <= end; i++) {
      const item = this.items[i];
      if (item) this.selected.add(item.id);
    }
  }

  /** Ids the tag actions apply to: the selection, or the focused photo when none. */
  get targetIds(): number[] {
    if (this.selected.size > 0) return [...this.selected];
    const focused = this.items[this.focus];
    return focused ? [focused.id] : [];
  }
}
