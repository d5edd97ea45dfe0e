// Package datasets loads and generates data for the vigor variational
// inference library.
//
// It provides:
//
//   - CSV tables of numbers with a header row (ReadCSV, ParseCSV, Table),
//     with precise, typed errors (*TableError wrapping sentinels such as
//     ErrNotNumber or ErrRagged) that name file, line and column;
//   - atomic CSV output (SaveCSV);
//   - binary column caches of CSV files for data larger than memory
//     (BuildCache, OpenCache, Cache.ReadColumn): float64 columns in blocks of
//     CacheBlockRows rows with a CRC-32C each, built in memory bounded by the
//     columns, refusing a stale cache (ErrStale: its CSV changed) or a
//     damaged one (ErrCorrupt, naming the block and the column);
//   - synthetic regression, classification and mixture data (LinearData,
//     LogisticData, GaussianMixtureData) drawn from an explicit
//     *math/rand/v2.Rand;
//   - a reader for the IDX format (ReadIDX), raw or gzip-compressed;
//   - MNIST: checksum-verified loading (LoadMNIST), fetching into a cache
//     directory (DataDir, FetchMNIST, EnsureMNIST), and mini-batches with
//     continuous, statically binarized or dynamically binarized pixels
//     (Batcher).
//
// All randomness comes from a *rand.Rand passed in by the caller, so the same
// seed gives the same data. Functions never panic on bad input data; they
// panic only on programmer errors such as mismatched slice lengths, with a
// message prefixed "datasets: ", as documented on each function.
package datasets
