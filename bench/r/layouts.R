# Times R's uwot (UMAP) or Rtsne (Barnes-Hut t-SNE) on a float32 row-major matrix (the same PCA-50
# rows our layouts work on), with their usual settings on every core: uwot 15 neighbours,
# min_dist 0.1, spectral start; Rtsne perplexity 30, angle 0.5, 1,000 iterations, no PCA of its
# own. Only the fit is timed (not R's start, the library load or the read). Writes the n x 2
# layout as float32 and prints one JSON line (wall and CPU seconds of the fit). Run by bench/cases/umap.ts.
#   Rscript layouts.R uwot|rtsne MATRIX N D OUT THREADS
args <- commandArgs(trailingOnly = TRUE)
method <- args[1]
n <- as.integer(args[3])
d <- as.integer(args[4])
out <- args[5]
threads <- as.integer(args[6])
x <- matrix(readBin(args[2], what = "numeric", size = 4, n = n * d, endian = "little"), nrow = n, ncol = d, byrow = TRUE)
if (method == "uwot") {
  suppressPackageStartupMessages(library(uwot))
  version <- as.character(packageVersion("uwot"))
  t0 <- proc.time()
  y <- uwot::umap(x, n_neighbors = 15, min_dist = 0.1, n_threads = threads, n_sgd_threads = threads)
} else if (method == "rtsne") {
  suppressPackageStartupMessages(library(Rtsne))
  version <- as.character(packageVersion("Rtsne"))
  t0 <- proc.time()
  y <- Rtsne::Rtsne(x, dims = 2, perplexity = 30, theta = 0.5, max_iter = 1000, pca = FALSE,
                    check_duplicates = FALSE, num_threads = threads)$Y
} else {
  stop(paste("unknown method", method))
}
spent <- proc.time() - t0
seconds <- spent[["elapsed"]]
cpu <- spent[["user.self"]] + spent[["sys.self"]]  # every thread of the process
writeBin(as.vector(t(y)), out, size = 4, endian = "little")
cat(sprintf('{"seconds": %.3f, "cpuSeconds": %.3f, "version": "%s"}\n', seconds, cpu, version))
