"""Attribution: statements with their speakers, read from quotation marks and the parse."""
