export {
  CSV_COLUMNS,
  WIDE_CSV_COLUMNS,
  csvChunks,
  exportChunks,
  exportLibrary,
  jsonChunks,
  neutralizeFormula,
  type ExportOptions,
  type ExportSummary,
} from './export.js';
export { allPhotos, searchedPhotos, type ExportPhoto } from './rows.js';
export { checkExportPath, ExportPathError } from './out-path.js';
