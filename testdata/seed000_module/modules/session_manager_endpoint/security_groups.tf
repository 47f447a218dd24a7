resource "aws_security_group" "endpoints" {
  count = local.enabled ? 1 : 0

  name        = "${var.project_id}-${var.env}-ssm-endpoints"
  description = "Session Manager VPC endpoints: HTTPS from the instances"
  vpc_id      = local.vpc_id

  ingress {
    description     = "HTTPS from EC2 instances"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = var.resources_security_group_ids
  }

  egress {
    description = "Responses inside the VPC only"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [data.aws_vpc.selected.cidr_block]
  }

  tags = merge(local.tags, {
    Name = "${var.project_id}-${var.env}-ssm-endpoints"
  })
}
