"""Articles: parsing the clinic's files into documents, and cutting them into passages."""
