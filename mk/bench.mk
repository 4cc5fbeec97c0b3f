# Benchmarks (bench/README.md): every figure beside a baseline measured in the same run.
#   make bench        every benchmark at full size, one table, bench/results/latest.json (several minutes)
#   make bench-smoke  the same, tiny (BENCH_SCALE=smoke, well under 90 s): proves none has rotted; part of make test
.PHONY: bench bench-smoke

bench: setup
	$(BIN)/python bench/run_all.py

bench-smoke: setup
	BENCH_SCALE=smoke $(BIN)/python bench/run_all.py

test: bench-smoke
