"""The budget-request annex: data read from a results folder, the document, xlsx/pdf/md."""
