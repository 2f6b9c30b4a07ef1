"""Quiz analytics for instructors and coordinators (students never)."""
