output "vpc_id" {
  value = aws_vpc.main.id
}

output "private_subnet_ids" {
  value = local.private_subnet_ids
}

output "public_subnet_ids" {
  value = [for key in sort(keys(aws_subnet.public_subnet)) : aws_subnet.public_subnet[key].id]
}

output "security_groups" {
  value = {
    ssm_endpoint_sg = aws_security_group.ssm_endpoint.id
  }
}

output "ssm_endpoint_ids" {
  value = { for k, ep in aws_vpc_endpoint.ssm : k => ep.id }
}
