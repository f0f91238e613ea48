export {
  searchPhotos,
  InvalidCursorError,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  type SearchQuery,
  type SearchHit,
  type SearchPage,
} from './search.js';
export { suggest, type Suggestion } from './suggest.js';
export {
  activeModelId,
  labelsOfPhotos,
  photoLabels,
  type PhotoLabel,
  type LabelSource,
  type Verdict,
} from './labels.js';
export { MAX_QUERY_TERMS, parseQuery, SearchQueryError, type QueryTerm } from './query.js';
