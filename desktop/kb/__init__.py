"""知识库 area, and the knowledge panel beside the registration form."""
