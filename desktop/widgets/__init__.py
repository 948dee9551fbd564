"""The kit every area uses: form fields, action dialogs, pickers, inputs, labels and tables."""
