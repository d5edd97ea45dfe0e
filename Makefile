# Developer shortcuts. CI runs .ci/run, which does the same and more.

.PHONY: test notebooks notebooks-check

# The test command from README.md.
test:
	go test ./...

# Execute every notebook in notebooks/ and refresh its committed outputs in
# place (only when all its cells ran cleanly). Needs Jupyter's Debian packages;
# installs GoNB and goimports from notebooks/tools. See notebooks/README.md.
notebooks:
	bash notebooks/run.sh

# Execute every notebook and fail on any error, leaving the files untouched.
notebooks-check:
	bash notebooks/run.sh --check
