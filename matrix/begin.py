"""`python -m matrix.begin`: start a new run (the first step of plain `tox`)."""
import shutil

from matrix import corpus, paths, records


def main() -> None:
    for folder in (paths.ARTIFACTS, paths.RESULTS):
        shutil.rmtree(folder, ignore_errors=True)
    run = records.new_run()
    print("new run %s: artifact store %s, results %s" % (run["run_id"], paths.ARTIFACTS, paths.RESULTS))
    imported = corpus.import_corpus()
    print("corpus: %d real SavedModels from %s" % (len(imported), corpus.corpus_dir() or "nowhere (no shared/corpus)"))


if __name__ == "__main__":
    main()
